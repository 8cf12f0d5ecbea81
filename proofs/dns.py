"""DKIM key look-ups for proofs: dnspython with a time limit and a small cache.

An app may replace the look-up (app.extensions["dkim_dns"], a callable with dkimpy's
`dns(name, timeout=...)` interface): the tests serve their own keys that way. The look-up only
ever asks for `<selector>._domainkey.<domain>` TXT records.
"""

from __future__ import annotations

from functools import cache

import dkim
import dns.exception
import dns.rdatatype
import dns.resolver
from flask import current_app

CACHE_ENTRIES = 512


@cache
def _resolver() -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=True)
    resolver.cache = dns.resolver.LRUCache(CACHE_ENTRIES)
    return resolver


def txt_record(name: bytes | str, timeout: float = 3.0) -> bytes | None:
    """The TXT record at `name`, None if there is none; dkim.DnsTimeoutError if DNS can't answer
    now (a time-out, no server, a server failure)."""
    if isinstance(name, bytes):
        name = name.decode("ascii", "replace")
    try:
        answer = _resolver().resolve(
            name, dns.rdatatype.TXT, lifetime=timeout, raise_on_no_answer=False, search=False
        )
    except dns.resolver.NXDOMAIN:
        return None
    except (dns.exception.DNSException, OSError) as error:
        raise dkim.DnsTimeoutError(type(error).__name__) from None
    for record in answer.rrset or ():
        return b"".join(record.strings)
    return None


def lookup():
    """The look-up in force for this app, bounded by DKIM_DNS_TIMEOUT seconds per query."""
    custom = current_app.extensions.get("dkim_dns")
    timeout = float(current_app.config["DKIM_DNS_TIMEOUT"])
    chosen = custom or txt_record

    def look_up(name, timeout_=None, **_):
        return chosen(name, timeout=timeout)

    return look_up
