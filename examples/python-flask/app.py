# The app behind the sidecar: no sign-in code at all. The sidecar in the same pod has already
# authenticated the user and passes who they are in request headers.
import os

from flask import Flask, request

app = Flask(__name__)


@app.get("/")
def index():
    user = request.headers.get("X-Auth-Request-User") or request.headers.get("X-Forwarded-User", "")
    return f"Hello, {user}! (Python/Flask)\n", 200, {
        "Content-Type": "text/plain; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
    }


if __name__ == "__main__":
    # Loopback only: the sidecar is the one way in.
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
