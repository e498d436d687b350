#!/usr/bin/env python
"""A small 1C simulator: runs the CommerceML 2 «обмен с сайтом» exchange against a running
Orders Office, the way 1C does it (docs/onec-exchange.md).

Catalogue: checkauth → init → each file uploaded in pieces of `file_limit` → import (repeated
while the answer is «progress»). Then orders: checkauth → init → query (the XML is saved) →
success. Optionally a file of order changes is sent back (type=sale&mode=file).

    .venv/bin/python scripts/onec_client.py                # the sample files, local server
    .venv/bin/python scripts/onec_client.py import.xml offers.xml \
        --url https://office.example/1c/exchange --chunk 100000
    .venv/bin/python scripts/onec_client.py --no-catalog --orders-out orders.xml \
        --changes changes.xml

The login and password default to ONEC_EXCHANGE_USER / ONEC_EXCHANGE_PASSWORD.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import requests

SAMPLES = Path(__file__).resolve().parent.parent / "fulfillment" / "onec" / "samples"
DEFAULT_URL = "http://127.0.0.1:8000/1c/exchange"


class ExchangeFailed(Exception):
    pass


class Client:
    def __init__(self, url: str, user: str, password: str, *, chunk: int | None) -> None:
        self.url = url
        self.auth = (user, password)
        self.chunk = chunk
        self.http = requests.Session()

    def call(
        self,
        kind: str,
        mode: str,
        *,
        filename: str = "",
        data: bytes | None = None,
        auth: tuple[str, str] | None = None,
    ) -> list[str]:
        params = {"type": kind, "mode": mode}
        if filename:
            params["filename"] = filename
        response = self.http.request(
            "GET" if data is None else "POST",
            self.url,
            params=params,
            data=data,
            auth=auth,
            timeout=600,
        )
        lines = response.text.split("\n")
        print(f"  {kind}/{mode} {filename} → {response.status_code} {lines[0]}")
        if lines[0] == "failure" or response.status_code >= 400:
            raise ExchangeFailed(" / ".join(lines))
        return lines

    def login(self, kind: str) -> int:
        _status, name, value, *_rest = self.call(kind, "checkauth", auth=self.auth)
        self.http.cookies.set(name, value)
        settings = dict(line.split("=", 1) for line in self.call(kind, "init") if "=" in line)
        limit = int(settings.get("file_limit", 0))
        return min(limit, self.chunk) if limit > 0 and self.chunk else limit or self.chunk or 0

    def upload(self, kind: str, path: Path, limit: int) -> None:
        data = path.read_bytes()
        size = limit or len(data) or 1
        pieces = range(0, max(len(data), 1), size)
        for number, start in enumerate(pieces, 1):
            print(f"  upload {path.name}: piece {number}/{len(pieces)}")
            self.call(kind, "file", filename=path.name, data=data[start : start + size])

    def catalog(self, files: list[Path]) -> None:
        print("catalog exchange")
        limit = self.login("catalog")
        for path in files:
            self.upload("catalog", path, limit)
        for path in files:
            for _attempt in range(1000):
                answer = self.call("catalog", "import", filename=path.name)
                if answer[0] != "progress":
                    break
                print(f"    progress: {' '.join(answer[1:])}")

    def sale(self, out: Path | None, changes: Path | None) -> None:
        print("sale exchange")
        limit = self.login("sale")
        response = self.http.get(self.url, params={"type": "sale", "mode": "query"}, timeout=600)
        if response.content.startswith(b"failure"):
            raise ExchangeFailed(response.text)
        documents = response.content.count("<Документ>".encode(response.encoding or "utf-8"))
        print(f"  sale/query → {response.status_code}, {documents} documents")
        if out is not None:
            out.write_bytes(response.content)
            print(f"  saved to {out}")
        self.call("sale", "success")
        if changes is not None:
            self.upload("sale", changes, limit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="catalogue files, in order")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--user", default=os.environ.get("ONEC_EXCHANGE_USER", ""))
    parser.add_argument("--password", default=os.environ.get("ONEC_EXCHANGE_PASSWORD", ""))
    parser.add_argument("--chunk", type=int, help="upload pieces of at most this many bytes")
    parser.add_argument("--no-catalog", action="store_true", help="skip the catalogue exchange")
    parser.add_argument("--no-sale", action="store_true", help="skip the orders exchange")
    parser.add_argument("--orders-out", type=Path, help="save the orders XML here")
    parser.add_argument("--changes", type=Path, help="order changes to send back to the site")
    args = parser.parse_args(argv)
    client = Client(args.url, args.user, args.password, chunk=args.chunk)
    files = args.files or [SAMPLES / "import.xml", SAMPLES / "offers.xml"]
    try:
        if not args.no_catalog:
            client.catalog(files)
        if not args.no_sale:
            client.sale(args.orders_out, args.changes)
    except ExchangeFailed as error:
        print(f"failure: {error}", file=sys.stderr)
        return 1
    except requests.RequestException as error:
        print(f"cannot reach {args.url}: {error}", file=sys.stderr)
        return 2
    print("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
