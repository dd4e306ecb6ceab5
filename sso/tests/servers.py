"""Real servers for the sign-in tests, started on free loopback ports and stopped after:
OpenLDAP's slapd (Debian) with a throw-away directory, and an OpenID Connect provider
(django-oidc-provider from PyPI, in its own process)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import ldap

from deploy.cluster import free_port, wait_until

SUFFIX = "dc=villedieu,dc=fr"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{SUFFIX}", "admin-secret"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def person(uid: str, given: str, sn: str, department: str, password: str) -> str:
    return f"""dn: uid={uid},ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: {uid}
cn: {given} {sn}
givenName: {given}
sn: {sn}
mail: {uid}@villedieu.fr
departmentNumber: {department}
userPassword: {password}
"""


def group(cn: str, members: list[str]) -> str:
    lines = [f"dn: cn={cn},ou=groups,{SUFFIX}", "objectClass: groupOfNames", f"cn: {cn}"]
    lines += [f"member: uid={m},ou=people,{SUFFIX}" for m in members]
    return "\n".join(lines) + "\n"


DIRECTORY = "\n".join(
    [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Villedieu\ndc: villedieu\n",
        f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n",
        person("mdupont", "Marie", "Dupont", "VOIR", "marie-pw"),
        person("jleroy", "Jean", "Leroy", "COUR", "jean-pw"),
        person("psimon", "Paul", "Simon", "URBA", "paul-pw"),
        # entries anyone with write access to the directory could add, named after local accounts
        person("admin", "Faux", "Admin", "VOIR", "admin-pw"),
        person("SVC-portail-demarches", "Portail", "Démarches", "COUR", "svc-pw"),
        group("courrier-agents", ["mdupont", "psimon"]),
        group("courrier-greffe", ["jleroy"]),
    ]
)


class Slapd:
    """slapd on 127.0.0.1:<free port>, its database and configuration in a temporary folder."""

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.port = workdir, free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        data = self.workdir / "data"
        data.mkdir(parents=True)
        config = self.workdir / "slapd.conf"
        includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
        config.write_text(
            f"""{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {self.workdir}/slapd.pid
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {data}
"""
        )
        (self.workdir / "directory.ldif").write_text(DIRECTORY)
        subprocess.run(
            ["slapadd", "-f", str(config), "-l", str(self.workdir / "directory.ldif")],
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(
            [_slapd(), "-f", str(config), "-h", f"{self.uri}/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 15, "slapd to answer")

    def _answers(self) -> bool:
        try:
            conn = ldap.initialize(self.uri)
            conn.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
            conn.unbind_s()
        except ldap.LDAPError:
            return False
        return True

    def admin(self) -> object:
        conn = ldap.initialize(self.uri)
        conn.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        return conn

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _slapd() -> str:
    return shutil.which("slapd") or "/usr/sbin/slapd"


class OpenIdProvider:
    """django-oidc-provider in its own Django process on 127.0.0.1:<free port>."""

    client_id, client_secret = "bannette", "bannette-secret"

    def __init__(self, workdir: Path, redirect_uri: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sso.tests.provider.settings",
            "PROVIDER_DB": str(workdir / "provider.sqlite3"),
            "PROVIDER_URL": self.url,
        }
        self.redirect_uri = redirect_uri
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        root = Path(__file__).resolve().parents[2]
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sso.tests.provider.setup",
                self.client_id,
                self.client_secret,
                self.redirect_uri,
            ],
            cwd=root,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "django",
                "runserver",
                f"127.0.0.1:{self.port}",
                "--noreload",
                "--nothreading",
            ],
            cwd=root,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 30, "the OpenID provider to answer")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/openid/jwks", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def endpoints(self) -> dict[str, str]:
        base = f"{self.url}/openid"
        return {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{base}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{base}/token",
            "OIDC_OP_USER_ENDPOINT": f"{base}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{base}/jwks",
        }

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
