-- wrk script for bench/api_load.sh: POST the JSON bodies of $CXTEXT_BENCH_BODIES (one per line) in turn,
-- with the bench key; each wrk thread starts at a different line so the texts mix from the first second.
local bodies = {}
for line in io.lines(os.getenv("CXTEXT_BENCH_BODIES")) do
    bodies[#bodies + 1] = line
end
local key = os.getenv("CXTEXT_BENCH_KEY")
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("offset", counter * 7)
end

function init(args)
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. key
    index = offset
end

function request()
    index = index % #bodies + 1
    return wrk.format(nil, nil, nil, bodies[index])
end

function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.duration, errors.status,
        errors.connect + errors.read + errors.write + errors.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
