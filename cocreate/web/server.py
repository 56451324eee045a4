"""Starting the web app: the Solara server (uvicorn) on this machine, nothing fetched from elsewhere.

Solara's own browser files come from the ``solara-assets`` package through the local server (never a CDN), its
usage telemetry is off, and a browser session that has gone for a minute is closed (which removes its temporary
folder, :mod:`cocreate.web.uploads`).
"""

import os
import threading
import warnings
import webbrowser

LOOPBACK = ("127.0.0.1", "localhost", "::1")

ENVIRONMENT = {
    "SOLARA_APP": "cocreate.web.app",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",  # nothing about the use of the app leaves the machine
    "SOLARA_KERNEL_CULL_TIMEOUT": "60s",  # a closed tab's session (and its temporary folder) ends a minute later
}


def exposed(host: str) -> bool:
    """True when ``host`` lets other machines connect (anything but the loopback interface)."""
    return host not in LOOPBACK


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          max_upload_mb: float = 50.0) -> None:
    """Run the app until Ctrl-C or SIGTERM; remove every session's temporary folder on the way out."""
    for key, value in ENVIRONMENT.items():
        if key == "SOLARA_KERNEL_CULL_TIMEOUT":
            os.environ.setdefault(key, value)  # tests shorten it
        else:
            os.environ[key] = value
    os.environ["COCREATE_MAX_UPLOAD_MB"] = f"{max_upload_mb:g}"
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    import uvicorn

    from cocreate.web import uploads

    config = uvicorn.Config("solara.server.starlette:app", host=host, port=port, log_level="warning",
                            ws_max_size=16 * 1024 * 1024)
    server = uvicorn.Server(config)
    url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.1)
        if server.started:
            print(f"cocreate is running at {url} (Ctrl-C to stop)", flush=True)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    from cocreate.web import jobs

    jobs.warm_up()
    try:
        server.run()
    finally:
        uploads.remove_root()
