"""What the runtime commands share: loading connector.yaml and reporting errors."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from engine.dsl.diagnostics import SpecError
from engine.errors import ConnectorError
from engine.tenants import Runtime

DEFAULT_CONFIG = "connector.yaml"


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        default=os.environ.get("CONNECTOR_CONFIG", DEFAULT_CONFIG),
        help="the deployment file (default: $CONNECTOR_CONFIG or ./connector.yaml)",
    )


def load_runtime(args: argparse.Namespace) -> Runtime:
    path = Path(args.config)
    if not path.is_file():
        raise ConnectorError(f"no deployment file at {path}; pass --config or set CONNECTOR_CONFIG")
    return Runtime.from_config(path)


def fail(exc: Exception) -> int:
    if isinstance(exc, SpecError):
        print(str(exc), file=sys.stderr)
    else:
        print(f"connector: {exc}", file=sys.stderr)
    return 2
