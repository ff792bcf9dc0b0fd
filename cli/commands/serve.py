"""`cxtext serve`: run the HTTP service (FastAPI under uvicorn) with settings from the environment."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP API",
        description="Run the HTTP API. Settings come from the environment (DATABASE_URL, CXTEXT_API_KEYS, "
        "...; see README); the flags override them.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--model", metavar="DIR", help="serve this model folder (default: the registry's active model)"
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    return parser


def _tcp_listener(host: str, port: int) -> socket.socket:
    """The socket the workers share, created as TCP (with TCP_NODELAY).

    Why not uvicorn's own: with several workers uvicorn binds it without a protocol number, so asyncio's
    "is this TCP?" check fails for every accepted connection and Nagle's algorithm stays on. Each
    keep-alive response then waits ~40 ms for the client's delayed ACK (measured: 22 requests/s on one
    connection instead of thousands).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from api.auth import KeyConfigError, parse_keys
    from api.db import make_engine, migrate
    from api.logging import log_config
    from api.settings import Settings, SettingsError
    from cli import CommandError
    from models.artifact import ArtifactError, read_card

    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    try:
        settings = Settings.from_env(model_path=args.model)
        parse_keys(settings.api_keys)
        if settings.model_path is not None:
            read_card(settings.model_path)
    except (SettingsError, KeyConfigError, ArtifactError) as exc:
        raise CommandError(str(exc)) from None
    # Workers are fresh processes that read the environment: hand the flags over through it.
    if settings.model_path is not None:
        os.environ["CXTEXT_MODEL"] = str(Path(settings.model_path).resolve())
    metrics_dir = None
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="cxtext-metrics-")  # workers add up their counters here
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    engine = make_engine(settings.database_url)
    migrate(engine)  # once here, so workers starting together find the schema ready
    engine.dispose()
    config = uvicorn.Config(
        "api.main:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config(settings.log_level),
        access_log=False,
    )
    try:
        if args.workers > 1:
            try:
                listener = _tcp_listener(args.host, args.port)
            except OSError as exc:
                raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
            print(
                f"cxtext serve: http://{args.host}:{args.port} with {args.workers} workers", file=sys.stderr
            )
            Multiprocess(config, sockets=[listener]).run()
        else:
            uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0
