"""`kubesvc serve --tls`: a self-signed CA and a server certificate, and the TLS front that
serves them.

Certificates come from the `cryptography` package (the `tls` extra, imported only here and
only for --tls): wheels for every platform, unlike the `openssl` binary, whose flags for
subject alternative names differ between OpenSSL, LibreSSL and old versions. The CA (ECDSA
P-256, ten years) is made once in a private folder next to the kubeconfig and kept, so
clients given its file keep trusting restarts; the server certificate (one year, names:
localhost, 127.0.0.1, ::1, the --address, the host's name) is issued afresh at each start.

waitress speaks no TLS, and wrapping its non-blocking sockets in `ssl` would leave the TLS
handshake and the SSL want-read/want-write states to an event loop that does not know
them. So TLS ends in front of it: asyncio's TLS streams (the standard library) accept the
clients' connections on the served address and relay the bytes, unchanged, to waitress
listening on a Unix socket (mode 0600) in the same private folder. HTTP is still parsed
once, by waitress; watches stream through as they are written.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import os
import socket
import ssl
import threading
import time
from pathlib import Path

from kubesvc.api.errors import ClientError

EXTRA = "kubesvc[tls]"
CA_CERT, CA_KEY, CERT, KEY = "ca.crt", "ca.key", "server.crt", "server.key"


def folder_for(kubeconfig: Path) -> Path:
    """Where --tls keeps its CA, certificate and socket: next to the kubeconfig."""
    return kubeconfig.resolve().parent / f"{kubeconfig.name}.tls"


def _crypto():
    try:
        # lazy: only `serve --tls` needs it (an optional extra, and slow to import)
        from cryptography import x509  # noqa: PLC0415
        from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: PLC0415
    except ImportError:
        raise ClientError(f"--tls needs the cryptography package: pip install '{EXTRA}'"
                          ) from None
    return x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID


def _private_write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def certificates(folder: Path, address: str) -> bytes:
    """Make (or keep) the CA and issue a server certificate for `address`; returns the CA's
    PEM, which the kubeconfig carries as certificate-authority-data."""
    x509, hashes, serialization, ec, eku, oid = _crypto()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    pem = serialization.Encoding.PEM
    plain = serialization.NoEncryption()
    pkcs8 = serialization.PrivateFormat.PKCS8
    try:
        ca_key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), None)
        ca = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
        if ca.not_valid_after_utc < now + datetime.timedelta(days=30):
            raise ValueError("expiring")
    except (OSError, ValueError):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(oid.COMMON_NAME, "kubesvc-ca")])
        ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(hours=1))
              .not_valid_after(now + datetime.timedelta(days=3650))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                           crl_sign=True, content_commitment=False,
                                           key_encipherment=False, data_encipherment=False,
                                           key_agreement=False, encipher_only=False,
                                           decipher_only=False), critical=True)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
        _private_write(folder / CA_KEY, ca_key.private_bytes(pem, pkcs8, plain), 0o600)
        _private_write(folder / CA_CERT, ca.public_bytes(pem), 0o644)
    key = ec.generate_private_key(ec.SECP256R1())
    names: list = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                   x509.IPAddress(ipaddress.ip_address("::1"))]
    for host in (address, socket.gethostname()):
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            if host and x509.DNSName(host) not in names:
                names.append(x509.DNSName(host))
            continue
        if not ip.is_unspecified and x509.IPAddress(ip) not in names:
            names.append(x509.IPAddress(ip))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(oid.COMMON_NAME, "kubesvc")]))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False,
                                         crl_sign=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([eku.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _private_write(folder / KEY, key.private_bytes(pem, pkcs8, plain), 0o600)
    _private_write(folder / CERT, cert.public_bytes(pem) + ca.public_bytes(pem), 0o644)
    return ca.public_bytes(pem)


class Front:
    """TLS on `sock` (already bound and listening), each connection relayed to the Unix
    socket `backend`, in one asyncio event loop on its own thread."""

    def __init__(self, sock: socket.socket, backend: str, folder: Path):
        self.sock = sock
        self.backend = backend
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.load_cert_chain(folder / CERT, folder / KEY)
        self.loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self.active = 0  # connections being relayed (read and written in the loop only)
        self._thread = threading.Thread(target=self._run, name="kubesvc-tls", daemon=True)

    def start(self) -> None:
        ready = threading.Event()
        self.loop.call_soon(ready.set)
        self._thread.start()
        ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._server = self.loop.run_until_complete(asyncio.start_server(
            self._relay, sock=self.sock, ssl=self.context, ssl_handshake_timeout=10))
        self.loop.run_forever()

    def stop_accepting(self) -> None:
        """No new connections; the open ones (a request being answered) go on."""
        def close() -> None:
            if self._server is not None:
                self._server.close()
        self.loop.call_soon_threadsafe(close)

    def drain(self, timeout: float) -> None:
        """Wait (`timeout` seconds at most) until every answer waitress wrote has been relayed
        to its client: after waitress has closed its connections, before the process ends."""
        deadline = time.monotonic() + timeout
        while self.active and time.monotonic() < deadline:
            time.sleep(0.05)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.active += 1
        raw = writer.get_extra_info("socket")
        if raw is not None:  # asyncio sets it only for sockets made with proto=IPPROTO_TCP:
            # without it a small answer waits for the client's delayed ACK (~40 ms)
            with contextlib.suppress(OSError):
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            try:
                back_reader, back_writer = await asyncio.open_unix_connection(self.backend)
            except OSError:
                writer.close()
                return
            await asyncio.gather(_pump(reader, back_writer), _pump(back_reader, writer))
            for w in (writer, back_writer):
                w.close()
                with contextlib.suppress(OSError, ssl.SSLError):
                    await w.wait_closed()
        finally:
            self.active -= 1


async def _pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while data := await src.read(65536):
            dst.write(data)
            await dst.drain()
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if dst.can_write_eof():
                dst.write_eof()
            else:
                dst.close()
