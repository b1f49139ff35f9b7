"""Pure: the SNMP trap receiver's configuration — listen address, v1/v2c communities, v3 USM users — parsed and checked.

The settings hold plain strings (`snmp_listen`, `snmp_communities`, `snmp_v3_users`); this module
turns them into frozen objects or raises `ValueError` naming the setting and the entry, never
echoing a secret. A v3 user is one string of space-separated `key=value` fields:

    user=NAME [engine=HEX] [auth=PROTOCOL:PASSPHRASE [priv=PROTOCOL:PASSPHRASE]]

e.g. `user=ups-trap engine=800000020109840301 auth=SHA:s3cret-auth priv=AES:s3cret-priv`.
A trap is sent by its own (authoritative) SNMP engine, so the receiver must know the sender's
engine id to check it (`engine=`, as snmptrapd's `createUser -e`); without `engine=` the user is
bound to the receiver's own engine id, which only informs (acknowledged notifications) use.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

AUTH_PROTOCOLS = ("MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512")
# AES-192/AES-256 are the Blumenthal key extension (net-snmp's -x AES-192/AES-256);
# the -C variants are the Reeder ("Cisco") one some vendors use instead.
PRIV_PROTOCOLS = ("DES", "3DES", "AES", "AES-128", "AES-192", "AES-256", "AES-192-C", "AES-256-C")
MIN_PASSPHRASE_CHARS = 8  # RFC 3414 §11.2; net-snmp refuses shorter ones too
_USER_FIELDS = ("user", "engine", "auth", "priv")


@dataclass(frozen=True)
class ListenAddress:
    """Where the receiver binds its UDP socket."""

    host: str
    port: int

    @property
    def ipv6(self) -> bool:
        """True for an IPv6 address."""
        return ":" in self.host

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if self.ipv6 else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class V3User:
    """One SNMPv3 USM user the receiver accepts traps and informs from."""

    name: str
    engine_id: bytes | None
    auth_protocol: str | None = None
    auth_key: str = field(default="", repr=False)
    priv_protocol: str | None = None
    priv_key: str = field(default="", repr=False)

    @property
    def level(self) -> str:
        """The USM security level this user's traps arrive with."""
        if self.priv_protocol:
            return "authPriv"
        return "authNoPriv" if self.auth_protocol else "noAuthNoPriv"


@dataclass(frozen=True)
class SnmpReceiverConfig:
    """Everything the receiver needs from the settings."""

    listen: ListenAddress
    communities: tuple[str, ...] = field(default=(), repr=False)
    users: tuple[V3User, ...] = ()


def parse_listen(text: str) -> ListenAddress:
    """Parse `HOST:PORT` (`[HOST]:PORT` for IPv6) where HOST is an IP address.

    Raises:
        ValueError: naming `snmp_listen` and what is wrong.
    """
    where = f"snmp_listen = {text!r}"
    host, sep, port_text = text.strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ipaddress.ip_address(host)
        port = int(port_text)
    except ValueError:
        raise ValueError(f"{where}: expected HOST:PORT with an IP address, e.g. 0.0.0.0:162 or [::]:162") from None
    if not sep or not 0 <= port <= 65535:
        raise ValueError(f"{where}: the port must be 0 to 65535")
    return ListenAddress(host, port)


def parse_v3_user(text: str, where: str) -> V3User:
    """Parse one `user=… [engine=…] [auth=…] [priv=…]` entry; `where` names it in errors.

    Raises:
        ValueError: naming `where` and the field; a pass phrase is never shown.
    """
    fields: dict[str, str] = {}
    for position, token in enumerate(text.split(), start=1):
        key, sep, value = token.partition("=")
        if not sep:  # not shown: it may be a pass phrase written without its key
            raise ValueError(f"{where}: word {position} is not key=value; fields are {', '.join(_USER_FIELDS)}")
        if key not in _USER_FIELDS:
            raise ValueError(f"{where}: unknown field {key!r}; fields are {', '.join(_USER_FIELDS)} (as key=value)")
        if key in fields:
            raise ValueError(f"{where}: {key}= is given twice")
        fields[key] = value
    name = fields.get("user", "")
    if not name or len(name) > 32:
        raise ValueError(f"{where}: user= is required and has 1 to 32 characters")
    where = f"{where} (user {name!r})"
    engine_id = _engine_id(fields["engine"], where) if "engine" in fields else None
    auth = _protocol_and_key(fields["auth"], AUTH_PROTOCOLS, where, "auth") if "auth" in fields else (None, "")
    priv = _protocol_and_key(fields["priv"], PRIV_PROTOCOLS, where, "priv") if "priv" in fields else (None, "")
    if priv[0] and not auth[0]:
        raise ValueError(f"{where}: priv= needs auth= (SNMPv3 has no privacy without authentication)")
    return V3User(name, engine_id, auth[0], auth[1], priv[0], priv[1])


def _engine_id(text: str, where: str) -> bytes:
    digits = text[2:] if text.lower().startswith("0x") else text
    try:
        engine_id = bytes.fromhex(digits)
    except ValueError:
        raise ValueError(f"{where}: engine= must be hexadecimal, e.g. 800000020109840301") from None
    if not 5 <= len(engine_id) <= 32:
        raise ValueError(f"{where}: engine= must be 5 to 32 bytes (10 to 64 hex digits), got {len(engine_id)}")
    return engine_id


def _protocol_and_key(text: str, protocols: tuple[str, ...], where: str, key: str) -> tuple[str, str]:
    protocol, sep, passphrase = text.partition(":")
    protocol = protocol.upper()
    if protocol not in protocols:
        # Not echoed: with the ':' missing, the "protocol" holds the pass phrase.
        raise ValueError(f"{where}: {key}= must start with a protocol, one of {', '.join(protocols)}, then ':'")
    if not sep or len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise ValueError(f"{where}: {key}= needs PROTOCOL:PASSPHRASE with a pass phrase of at least {MIN_PASSPHRASE_CHARS} characters")
    return protocol, passphrase


def receiver_config(listen: str, communities: tuple[str, ...], users: tuple[str, ...]) -> SnmpReceiverConfig | None:
    """Build the receiver's configuration from the settings, or None when `listen` is empty (receiver off).

    Raises:
        ValueError: on a bad address or user, two users with one name and engine, or a receiver
            with nothing to accept (no community and no user).
    """
    if not listen.strip():
        return None
    address = parse_listen(listen)
    parsed = tuple(parse_v3_user(text, f"snmp_v3_users entry #{index + 1}") for index, text in enumerate(users))
    seen: set[tuple[str, bytes | None]] = set()
    for user in parsed:
        if (user.name, user.engine_id) in seen:
            raise ValueError(f"snmp_v3_users: user {user.name!r} is given twice for the same engine id")
        seen.add((user.name, user.engine_id))
    if not communities and not parsed:
        raise ValueError(
            "snmp_listen is set but neither snmp_communities nor snmp_v3_users is: every trap would be refused"
        )
    return SnmpReceiverConfig(address, tuple(communities), parsed)
