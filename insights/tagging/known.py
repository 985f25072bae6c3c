"""What a workspace knows about organisations: its customers, competitors and suppliers.

Fed by the settings lists, every subject a person confirmed or corrected in Slack, the form's customer
field, channel names such as ``#client-biocoop`` and the subjects found in imported history;
:mod:`insights.tagging.orgs` matches these names ahead of any guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from insights.types import KnownOrgs

Role = Literal["customer", "competitor", "vendor"]
NO_KNOWN_ORGS = KnownOrgs()

# Channel name prefixes that say who the channel is about (« #client-biocoop », "#cust-acme-corp").
_CHANNEL = re.compile(
    r"^#?(?P<role>clients?|customers?|cust|prospects?|compte|account|acct|concurrents?|competitors?|compet|"
    r"fournisseurs?|suppliers?|vendors?)[-_](?P<name>[a-z0-9àâäçéèêëîïôöùûüÿœ][a-z0-9àâäçéèêëîïôöùûüÿœ_-]*)$",
    re.IGNORECASE,
)
_ROLE_OF_PREFIX: dict[str, Role] = {
    "client": "customer",
    "customer": "customer",
    "cust": "customer",
    "prospect": "customer",
    "compte": "customer",
    "account": "customer",
    "acct": "customer",
    "concurrent": "competitor",
    "competitor": "competitor",
    "compet": "competitor",
    "fournisseur": "vendor",
    "supplier": "vendor",
    "vendor": "vendor",
}
_LEADING_ARTICLE = re.compile(r"^(?:(?:les|le|la|the)\s+|l['’]\s*)", re.IGNORECASE)


def strip_article(name: str) -> str:
    """« les Laboratoires Vernier » → « Laboratoires Vernier »; spaces squeezed, case kept."""
    name = " ".join(name.split())
    stripped = _LEADING_ARTICLE.sub("", name, count=1)
    return stripped if stripped else name


def channel_org(channel_name: str) -> tuple[str, Role] | None:
    """The organisation a channel is about, from its name: ``#client-biocoop`` → ``("Biocoop", "customer")``.

    Slack channel names are lower-case, so the name is title-cased word by word (hyphens and underscores
    become spaces); known names are matched whatever their case, so the guess only shows in the subject
    until a person confirms it.
    """
    m = _CHANNEL.match(channel_name.strip())
    if m is None:
        return None
    prefix = m.group("role").lower()
    role = _ROLE_OF_PREFIX.get(prefix) or _ROLE_OF_PREFIX.get(prefix.rstrip("s"))
    words = [w for w in re.split(r"[-_]+", m.group("name")) if w]
    if role is None or not words:
        return None
    short_upper = len(words) > 1
    return " ".join(w.upper() if short_upper and len(w) <= 3 and w.isalpha() else w.capitalize() for w in words), role


def _unique(names: Iterable[str], taken: set[str]) -> tuple[str, ...]:
    """Names without article, each once (case-insensitive), leaving out those in ``taken`` (which grows)."""
    out: list[str] = []
    for name in names:
        clean = strip_article(name)
        if clean and clean.casefold() not in taken:
            taken.add(clean.casefold())
            out.append(clean)
    return tuple(out)


def build_known(
    customers: Iterable[str] = (),
    competitors: Iterable[str] = (),
    vendors: Iterable[str] = (),
    channel_names: Iterable[str] = (),
) -> KnownOrgs:
    """From settings lists and channel names. A name listed under several roles keeps the first of
    competitor, vendor, customer: naming a competitor is a deliberate statement."""
    lists: dict[Role, list[str]] = {
        "customer": list(customers),
        "competitor": list(competitors),
        "vendor": list(vendors),
    }
    for channel in channel_names:
        found = channel_org(channel)
        if found is not None:
            lists[found[1]].append(found[0])
    taken: set[str] = set()
    comp = _unique(lists["competitor"], taken)
    vend = _unique(lists["vendor"], taken)
    return KnownOrgs(customers=_unique(lists["customer"], taken), competitors=comp, vendors=vend)


def learn(known: KnownOrgs, subject: str, role: Role) -> KnownOrgs:
    """A subject confirmed or corrected by a person: it takes ``role`` and leaves any other role."""
    name = strip_article(subject)
    if not name:
        return known
    key = name.casefold()
    lists: dict[Role, list[str]] = {
        "customer": [n for n in known.customers if n.casefold() != key],
        "competitor": [n for n in known.competitors if n.casefold() != key],
        "vendor": [n for n in known.vendors if n.casefold() != key],
    }
    lists[role].append(name)
    return KnownOrgs(tuple(lists["customer"]), tuple(lists["competitor"]), tuple(lists["vendor"]))


def learn_all(known: KnownOrgs, people_said: Iterable[tuple[str, Role]]) -> KnownOrgs:
    """:func:`learn` for each ``(subject, role)`` people set, oldest first (the latest word wins)."""
    for subject, role in people_said:
        known = learn(known, subject, role)
    return known


def learn_found(known: KnownOrgs, found: Iterable[tuple[str, Role]]) -> KnownOrgs:
    """Subjects the tagger found in imported history, oldest first: a new name takes its role, a name already
    known keeps the one it has (the first word wins; people's word is learned after, with :func:`learn_all`)."""
    lists: dict[Role, list[str]] = {
        "customer": list(known.customers),
        "competitor": list(known.competitors),
        "vendor": list(known.vendors),
    }
    taken = {name.casefold() for names in lists.values() for name in names}
    for subject, role in found:
        name = strip_article(subject)
        if name and name.casefold() not in taken:
            taken.add(name.casefold())
            lists[role].append(name)
    return KnownOrgs(tuple(lists["customer"]), tuple(lists["competitor"]), tuple(lists["vendor"]))


def found_role(signal: str | None) -> Role:
    """The role a subject found with ``signal`` takes: competitor for a competitor signal, else customer."""
    return "competitor" if signal == "competitor" else "customer"


def role_of(known: KnownOrgs, name: str) -> Role | None:
    """What ``name`` is to the workspace, if it is known (case-insensitive, article ignored)."""
    key = strip_article(name).casefold()
    roles: tuple[tuple[Role, tuple[str, ...]], ...] = (
        ("competitor", known.competitors),
        ("vendor", known.vendors),
        ("customer", known.customers),
    )
    return next((role for role, names in roles if any(n.casefold() == key for n in names)), None)


def with_form_customer(known: KnownOrgs, customer: str | None) -> KnownOrgs:
    """The known organisations plus the form's customer, so the text's mention of it is matched whole."""
    if not customer or not customer.strip():
        return known
    name = strip_article(customer)
    if role_of(known, name) is not None:
        return known
    return KnownOrgs((*known.customers, name), known.competitors, known.vendors)
