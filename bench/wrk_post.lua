-- wrk script for bench/http_throughput.py: POST one fixed body, report percentiles as JSON.
--
--   wrk -t1 -c16 -d5s -s bench/wrk_post.lua http://127.0.0.1:PORT/crm/v3/objects/tickets/batch/read -- BODY_FILE TOKEN
--
-- Every request is the same: POST of the bytes in BODY_FILE with
-- "Authorization: Bearer TOKEN" and "Content-Type: application/json". done() prints one
-- line starting with "WRK_JSON " that the Python script parses.

local request_bytes

function init(args)
   local body_file, token = args[1], args[2]
   local file = assert(io.open(body_file, "rb"))
   local body = file:read("*a")
   file:close()
   local headers = {}
   headers["Host"] = wrk.host .. ":" .. tostring(wrk.port)
   headers["Content-Type"] = "application/json"
   headers["Accept"] = "application/json"
   if token and token ~= "" then
      headers["Authorization"] = "Bearer " .. token
   end
   request_bytes = wrk.format("POST", nil, headers, body)
end

function request()
   return request_bytes
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"mean":%.1f,"stdev":%.1f,"min":%d,"max":%d,' ..
      '"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency.stdev, latency.min, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9)))
end
