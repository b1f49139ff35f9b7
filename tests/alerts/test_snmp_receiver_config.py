"""SNMP receiver settings: listen address, v3 users and their errors — which never show a pass phrase."""
from __future__ import annotations

import pytest

from streams.alerts.receivers import snmp
from streams.alerts.receivers.snmp_config import (
    AUTH_PROTOCOLS,
    PRIV_PROTOCOLS,
    ListenAddress,
    SnmpReceiverConfig,
    V3User,
    parse_listen,
    parse_v3_user,
    receiver_config,
)

SECRET = "n0t-for-logs-42"


@pytest.mark.parametrize(
    ("text", "address", "shown"),
    [
        ("0.0.0.0:162", ListenAddress("0.0.0.0", 162), "0.0.0.0:162"),
        (" 127.0.0.1:1162 ", ListenAddress("127.0.0.1", 1162), "127.0.0.1:1162"),
        ("[::1]:1162", ListenAddress("::1", 1162), "[::1]:1162"),
        ("127.0.0.1:0", ListenAddress("127.0.0.1", 0), "127.0.0.1:0"),
    ],
)
def test_listen_addresses(text: str, address: ListenAddress, shown: str) -> None:
    assert parse_listen(text) == address and str(address) == shown


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("localhost:162", "snmp_listen = 'localhost:162': expected HOST:PORT with an IP address"),
        ("10.0.0.1", "expected HOST:PORT with an IP address"),
        ("10.0.0.1:snmp", "expected HOST:PORT with an IP address"),
        ("10.0.0.1:70000", "snmp_listen = '10.0.0.1:70000': the port must be 0 to 65535"),
    ],
)
def test_bad_listen_addresses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_listen(text)


@pytest.mark.parametrize(
    ("text", "user"),
    [
        (f"user=ups-trap engine=0x8000000001020304 auth=sha:{SECRET} priv=AES:{SECRET}x",
         V3User("ups-trap", bytes.fromhex("8000000001020304"), "SHA", SECRET, "AES", SECRET + "x")),
        (f"auth=SHA-256:{SECRET} user=probe", V3User("probe", None, "SHA-256", SECRET)),
        ("user=public-ish engine=800000000102", V3User("public-ish", bytes.fromhex("800000000102"))),
    ],
)
def test_v3_users(text: str, user: V3User) -> None:
    parsed = parse_v3_user(text, "entry #1")
    assert parsed == user
    assert SECRET not in repr(parsed)


def test_levels() -> None:
    assert [parse_v3_user(t, "e").level for t in (
        "user=a", f"user=a auth=MD5:{SECRET}", f"user=a auth=MD5:{SECRET} priv=DES:{SECRET}")] == [
        "noAuthNoPriv", "authNoPriv", "authPriv"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"user=a password={SECRET}", "entry #1: unknown field 'password'; fields are user, engine, auth, priv"),
        (f"user=a {SECRET}", "entry #1: word 2 is not key=value; fields are user, engine, auth, priv"),
        ("engine=8000000001", "entry #1: user= is required"),
        ("user=a user=b", "user= is given twice"),
        (f"user=a auth=SHA1:{SECRET}", "entry #1 (user 'a'): auth= must start with a protocol, one of MD5, SHA, SHA-224"),
        ("user=a auth=SHA:short", "auth= needs PROTOCOL:PASSPHRASE with a pass phrase of at least 8 characters"),
        (f"user=a auth=SHA{SECRET}", "auth= must start with a protocol"),
        (f"user=a priv=AES:{SECRET}", "priv= needs auth= (SNMPv3 has no privacy without authentication)"),
        (f"user=a auth=SHA:{SECRET} priv=BLOWFISH:{SECRET}", "priv= must start with a protocol, one of DES, 3DES, AES"),
        ("user=a engine=xyz", "engine= must be hexadecimal"),
        ("user=a engine=80000001", "engine= must be 5 to 32 bytes (10 to 64 hex digits), got 4"),
    ],
)
def test_bad_v3_users_name_the_entry_and_never_the_secret(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_v3_user(text, "entry #1")
    assert message in str(caught.value) and SECRET[:4] not in str(caught.value).lower()


def test_receiver_config() -> None:
    assert receiver_config("", ("public",), ()) is None
    config = receiver_config("0.0.0.0:162", ("public", "private"), ("user=a engine=8000000001",))
    assert config == SnmpReceiverConfig(ListenAddress("0.0.0.0", 162), ("public", "private"),
                                        (V3User("a", bytes.fromhex("8000000001")),))
    assert "public" not in repr(config)
    with pytest.raises(ValueError, match="snmp_listen is set but neither snmp_communities nor snmp_v3_users is"):
        receiver_config("0.0.0.0:162", (), ())
    with pytest.raises(ValueError, match="snmp_v3_users: user 'a' is given twice for the same engine id"):
        receiver_config("0.0.0.0:162", (), ("user=a engine=8000000001", "user=a engine=0x8000000001"))
    with pytest.raises(ValueError, match="snmp_v3_users entry #2 "):
        receiver_config("0.0.0.0:162", (), ("user=a", "user=b engine=1"))


def test_every_protocol_name_maps_to_a_pysnmp_protocol() -> None:
    assert tuple(snmp.AUTH_PROTOCOLS) == AUTH_PROTOCOLS
    assert tuple(snmp.PRIV_PROTOCOLS) == PRIV_PROTOCOLS
