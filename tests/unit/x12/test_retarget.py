from __future__ import annotations

import pytest

from simulator.x12.retarget import Target, retarget

FILE = (
    b"ISA*00*          *00*          *30*000000005      *30*12345          *131031*1147*^*"
    b"00501*000000907*1*P*:~GS*HC*000000005*54321*20131031*1147*1*X*005010X222A2~"
    b"ST*837*0001*005010X222A2~SE*2*0001~GE*1*1~IEA*1*000000907~"
)


def test_only_the_envelope_addresses_and_guides_change() -> None:
    lines = retarget(FILE, Target("110048577A", "T")).decode().splitlines()
    assert lines == [
        "ISA*00*          *00*          *ZZ*110048577A     *ZZ*DMA7384        *131031*1147*^*"
        "00501*000000907*1*T*:~",
        "GS*HC*110048577A*DMA7384*20131031*1147*1*X*005010X222A1~",
        "ST*837*0001*005010X222A1~",
        "SE*2*0001~",
        "GE*1*1~",
        "IEA*1*000000907~",
    ]


@pytest.mark.parametrize(("provider", "usage"), [("11004857", "T"), ("110048577A", "X")])
def test_a_bad_target_is_refused(provider: str, usage: str) -> None:
    with pytest.raises(ValueError, match="expected"):
        Target(provider, usage)
