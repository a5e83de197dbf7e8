"""gunicorn's settings for every way the portal is served (gunicorn reads ./gunicorn.conf.py
itself).

gunicorn has no limit on a request body; the portal's own middleware refuses a body over
UPLOAD_MAX_BYTES before reading it (core.limits), and the proxy in front should refuse the same
(README "Deploying"). What gunicorn does limit is the request line and headers, tightened here to
what a browser or API client sends, so a flood of headers is refused before Django sees it.
"""

limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
