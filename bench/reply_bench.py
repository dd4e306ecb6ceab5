"""Reply benchmark: each stage of a reply against a baseline run in the same process.

    ./dev bench-replies [--documents 20]

- merge: docxtpl filling the reply template vs python-docx opening and saving it (baseline);
- PDF: the long-lived LibreOffice (unoserver) converting the merged .docx vs LibreOffice
  started for each document (baseline);
- signing: pyHanko PAdES B-B with a visible stamp vs a bare RSA-2048 signature of the PDF's
  SHA-256 with the same key (baseline);
- validation: pyHanko checking the signed PDF against the CA (absolute).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BANNETTE_DATA_DIR", tempfile.mkdtemp(prefix="bannette-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("BANNETTE_LOG_LEVEL", "WARNING")
os.environ["BANNETTE_TSA_URL"] = ""

import django

django.setup()

import docx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from templates_office.catalogue import sample_context
from templates_office.convert import _started_each_time, office_server, to_pdf
from templates_office.merge import merge
from templates_office.tests.docs import REPLY_LINES, docx_bytes
from visa.signing import check_signatures, load_signer, sign_pdf
from visa.tests.pki import make_pki


def timed(runs: int, work: Callable[[], object]) -> list[float]:
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        durations.append(time.perf_counter() - start)
    return durations


def report(label: str, durations: list[float], baseline: list[float] | None = None) -> None:
    p50 = statistics.median(durations) * 1000
    p95 = sorted(durations)[max(0, round(0.95 * len(durations)) - 1)] * 1000
    line = f"{label:<45} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms"
    if baseline:
        line += (
            f"   x {statistics.median(durations) / statistics.median(baseline):6.1f} the baseline"
        )
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20)
    runs = parser.parse_args().documents
    template = docx_bytes(REPLY_LINES * 3)  # a one-page letter
    context = sample_context()

    def raw_docx() -> bytes:
        buffer = io.BytesIO()
        docx.Document(io.BytesIO(template)).save(buffer)
        return buffer.getvalue()

    baseline_merge = timed(runs, raw_docx)
    report("baseline: python-docx open + save", baseline_merge)
    report(
        "merge (docxtpl, strict fields)",
        timed(runs, lambda: merge(template, context)),
        baseline_merge,
    )

    merged = merge(template, context)
    to_pdf(merged, ".docx")  # first start of a new LibreOffice profile is not the steady state
    started = timed(runs, lambda: _started_each_time([merged], ".docx", timeout=120))
    report("baseline: PDF, LibreOffice started each time", started)
    if office_server() is None:
        print("(no long-lived converter: ./dev setup installs unoserver in .venv-office)")
    else:
        started_at = time.perf_counter()
        office_server().stop()
        to_pdf(merged, ".docx")
        print(
            f"long-lived LibreOffice (unoserver) ready in {time.perf_counter() - started_at:.1f} s"
        )
        report(
            "PDF, long-lived LibreOffice (unoserver)",
            timed(runs, lambda: to_pdf(merged, ".docx")),
            started,
        )

    pdf = to_pdf(merged, ".docx")
    pki = make_pki()
    signer = load_signer(pki.signer_p12, pki.password)
    key = pkcs12.load_key_and_certificates(pki.signer_p12, pki.password.encode())[0]
    assert isinstance(key, rsa.RSAPrivateKey)

    def bare_rsa() -> bytes:
        digest = hashlib.sha256(pdf).digest()
        return key.sign(digest, padding.PKCS1v15(), hashes.SHA256())

    baseline_sign = timed(runs, bare_rsa)
    report("baseline: RSA-2048 signature of SHA-256", baseline_sign)
    report(
        "PAdES B-B with visible stamp (pyHanko)",
        timed(runs, lambda: sign_pdf(pdf, signer=signer, name="Jeanne Maire", role="Maire")),
        baseline_sign,
    )
    signed = sign_pdf(pdf, signer=signer, name="Jeanne Maire", role="Maire")
    report(
        "validation against the CA (pyHanko)",
        timed(runs, lambda: check_signatures(signed, [pki.ca])),
    )
    print(f"documents: {runs}; PDF {len(pdf) // 1024} KiB, signed {len(signed) // 1024} KiB")


if __name__ == "__main__":
    main()
