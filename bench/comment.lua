-- wrk script: every request posts a comment as the seeded user.
wrk.method = "POST"
wrk.body = '{"comment":{"body":"A comment written under load"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN")
