"""The domain: accounts, providers, batches, response files and processing. No Flask here."""
