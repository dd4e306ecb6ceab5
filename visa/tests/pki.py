"""A throw-away PKI for signature tests: a CA, a signer's PKCS#12, and a timestamp authority
answering RFC 3161 requests over HTTP on loopback (OpenSSL's `openssl ts -reply`)."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mairie de Villedieu (test)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(subject, issuer, key, issuer_key, *, ca=False, usage=None):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _der(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass
class TestPki:
    ca: asn1_x509.Certificate
    signer_p12: bytes
    password: str
    tsa_cert: asn1_x509.Certificate
    tsa_key: asn1_keys.PrivateKeyInfo

    @property
    def ca_pem(self) -> bytes:
        return pem.armor("CERTIFICATE", self.ca.dump())


def make_pki(signer_name: str = "Marc Bernard", password: str = "secret-1234") -> TestPki:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _certificate(_name("Test CA"), _name("Test CA"), ca_key, ca_key, ca=True)
    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = _certificate(_name(signer_name), ca.subject, signer_key, ca_key)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _certificate(
        _name("Test TSA"), ca.subject, tsa_key, ca_key, usage=[ExtendedKeyUsageOID.TIME_STAMPING]
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"signer",
        signer_key,
        signer,
        [ca],
        serialization.BestAvailableEncryption(password.encode()),
    )
    tsa_pkcs8 = tsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return TestPki(_der(ca), p12, password, _der(tsa), asn1_keys.PrivateKeyInfo.load(tsa_pkcs8))


class TimestampAuthority:
    """An RFC 3161 server on 127.0.0.1, in a thread of the test process: each request is
    answered by `openssl ts -reply` (OpenSSL's own time-stamping authority, RFC 3161 and
    RFC 5816) with the PKI's TSA certificate and key; `requests` counts what it answered."""

    def __init__(self, pki: TestPki) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bannette-tsa-"))
        (self.folder / "tsa.pem").write_bytes(pem.armor("CERTIFICATE", pki.tsa_cert.dump()))
        (self.folder / "ca.pem").write_bytes(pki.ca_pem)
        (self.folder / "tsa.key").write_bytes(pem.armor("PRIVATE KEY", pki.tsa_key.dump()))
        (self.folder / "serial").write_text("01\n")
        (self.folder / "tsa.cnf").write_text(
            "[ tsa ]\ndefault_tsa = bannette_tests\n[ bannette_tests ]\n"
            f"dir = {self.folder}\nserial = $dir/serial\ncrypto_device = builtin\n"
            "signer_cert = $dir/tsa.pem\ncerts = $dir/tsa.pem\nsigner_key = $dir/tsa.key\n"
            "signer_digest = sha256\ndefault_policy = 1.2.250.1.999.1\n"
            "digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = yes\n"
            "tsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n"
        )
        authority = self
        lock = threading.Lock()  # openssl keeps its serial number in one file

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock, tempfile.TemporaryDirectory(dir=authority.folder) as scratch:
                    query, reply = Path(scratch) / "query.tsq", Path(scratch) / "reply.tsr"
                    query.write_bytes(body)
                    subprocess.run(
                        [
                            "openssl",
                            "ts",
                            "-reply",
                            "-config",
                            str(authority.folder / "tsa.cnf"),
                            "-queryfile",
                            str(query),
                            "-out",
                            str(reply),
                        ],
                        check=True,
                        capture_output=True,
                    )
                    payload = reply.read_bytes()
                    authority.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TimestampAuthority:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.folder, ignore_errors=True)
