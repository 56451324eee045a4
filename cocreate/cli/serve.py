"""`cocreate serve`: the web app on this machine (draw a panel, verify a draw, explore a scenario), in the browser."""

import typer

from cocreate.cli.common import fail


def register(app: typer.Typer) -> None:
    """Add `serve` to the main app."""

    @app.command("serve")
    def serve_cmd(
        host: str = typer.Option("127.0.0.1", help="interface to listen on; the default lets only this computer "
                                 "connect (anything else exposes the app, and the files uploaded, to the network)"),
        port: int = typer.Option(8765, help="port to listen on"),
        no_browser: bool = typer.Option(False, "--no-browser", help="do not open the browser"),
        max_upload_mb: float = typer.Option(50.0, help="largest file accepted for upload, in MB"),
    ) -> None:
        """Start the web app: draw and publish a panel, verify a draw, explore a scenario. Personal data stays on
        this machine: uploads are kept in a temporary folder removed when the browser session ends."""
        from cocreate.web.server import exposed, serve

        if not 0 < port < 65536:
            fail(f"--port {port}: give a port from 1 to 65535")
        if max_upload_mb <= 0:
            fail(f"--max-upload-mb {max_upload_mb:g}: give a positive size")
        if exposed(host):
            typer.echo(f"warning: --host {host} lets other computers on the network reach the app and the personal "
                       "data uploaded to it; there is no login. Use the default 127.0.0.1 unless you mean it.",
                       err=True)
        try:
            serve(host, port, open_browser=not no_browser, max_upload_mb=max_upload_mb)
        except OSError as err:
            fail(f"--port {port}: cannot listen on {host}:{port} ({err.strerror or err}); choose another port")
