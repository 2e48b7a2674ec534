-- One request, sent again and again on every connection, for wrk (a load driver written in C,
-- so the figures it gives carry no Python client's pauses):
--
--   wrk -t2 -c16 -d8s -s loadtests/wrk/request.lua URL -- METHOD BODY_FILE CONTENT_TYPE AUTH
--
-- BODY_FILE holds the whole body, e.g. the multipart/form-data of an upload as
-- loadtests.payloads.upload_form makes it, and CONTENT_TYPE its header with the boundary; AUTH
-- is the Authorization header as sent ("Basic ..."). Any of the three may be "-": none.
-- When wrk is done, one line "wrk-json: {...}" gives the counts and the latency percentiles in
-- microseconds, which loadtests.wrk_driver reads.

local request_text

local function given(value)
  if value == nil or value == "-" then
    return nil
  end
  return value
end

function init(args)
  local body = nil
  if given(args[2]) then
    local file = assert(io.open(args[2], "rb"))
    body = file:read("*a")
    file:close()
  end
  local headers = {}
  if given(args[3]) then
    headers["Content-Type"] = args[3]
  end
  if given(args[4]) then
    headers["Authorization"] = args[4]
  end
  request_text = wrk.format(args[1] or "GET", nil, headers, body)
end

function request()
  return request_text
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'wrk-json: {"requests": %d, "seconds": %.6f, "failed": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration / 1e6,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
