-- wrk script: POST /users with a JSON body (get-or-create: the same identifier answers the existing user).
wrk.method = "POST"
wrk.body = '{"identifier":"bench-post@example.com"}'
wrk.headers["Content-Type"] = "application/json"
