"""Workplace words shared by French and English insights, so both languages land in one theme.

Every content lemma becomes a *term*: lowercased, accents dropped, a French word mapped to its English
counterpart when this small lexicon knows it, then a light English suffix strip (``outages`` →
``outage``, ``jammed`` → ``jam``). Terms are only compared with each other, never shown: labels show
the lemmas as written in the insights.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Final

# French lemma (accents dropped) -> English term. Common subjects of workplace reports only: what a
# bilingual team would say about the same thing in both languages.
FR_TO_EN: Final[dict[str, str]] = {
    "livraison": "delivery",
    "livrer": "delivery",
    "retard": "delay",
    "delai": "delay",
    "colis": "parcel",
    "transporteur": "carrier",
    "expedition": "shipping",
    "expedier": "shipping",
    "entrepot": "warehouse",
    "stock": "stock",
    "rupture": "shortage",
    "penurie": "shortage",
    "commande": "order",
    "commander": "order",
    "facture": "invoice",
    "facturation": "invoice",
    "facturer": "invoice",
    "paiement": "payment",
    "payer": "payment",
    "avoir": "credit",
    "remboursement": "refund",
    "rembourser": "refund",
    "devis": "quote",
    "prix": "price",
    "tarif": "price",
    "remise": "discount",
    "concurrent": "competitor",
    "client": "customer",
    "prospect": "prospect",
    "contrat": "contract",
    "vente": "sale",
    "vendre": "sale",
    "panne": "outage",
    "coupure": "outage",
    "tomber": "down",
    "bug": "bug",
    "bugger": "bug",
    "plantage": "crash",
    "planter": "crash",
    "lent": "slow",
    "lenteur": "slow",
    "connexion": "connection",
    "reseau": "network",
    "wifi": "wifi",
    "ordinateur": "laptop",
    "portable": "laptop",
    "pc": "laptop",
    "imprimante": "printer",
    "ecran": "screen",
    "logiciel": "software",
    "outil": "tool",
    "appli": "app",
    "application": "app",
    "mise": "update",
    "jour": "day",
    "semaine": "week",
    "mois": "month",
    "machine": "machine",
    "cafe": "coffee",
    "cuisine": "kitchen",
    "salle": "room",
    "bureau": "office",
    "clim": "aircon",
    "climatisation": "aircon",
    "chauffage": "heating",
    "parking": "parking",
    "reunion": "meeting",
    "visio": "videocall",
    "visioconference": "videocall",
    "agenda": "calendar",
    "teletravail": "remote",
    "distance": "remote",
    "recrutement": "hiring",
    "recruter": "hiring",
    "embauche": "hiring",
    "embaucher": "hiring",
    "candidat": "candidate",
    "entretien": "interview",
    "poste": "position",
    "integration": "onboarding",
    "arrivant": "newcomer",
    "nouveau": "new",
    "formation": "training",
    "former": "training",
    "support": "support",
    "ticket": "ticket",
    "reponse": "response",
    "repondre": "response",
    "attente": "wait",
    "attendre": "wait",
    "salon": "tradeshow",
    "stand": "booth",
    "note": "expense",
    "frais": "expense",
    "depense": "expense",
    "batterie": "battery",
    "pile": "battery",
    "capteur": "sensor",
    "sonde": "sensor",
    "defaut": "defect",
    "retour": "return",
    "renvoyer": "return",
    "validation": "approval",
    "valider": "approval",
    "approuver": "approval",
    "signature": "signature",
    "signer": "signature",
    "erreur": "error",
    "securite": "security",
    "mot": "word",
    "passe": "password",
    "equipe": "team",
    "manager": "manager",
    "salarie": "employee",
    "collegue": "colleague",
    "heure": "hour",
    "minute": "minute",
    "serveur": "server",
    "fichier": "file",
    "dossier": "folder",
    "maison": "home",
    "domicile": "home",
    "couper": "outage",
    "connecter": "connect",
    "deconnecter": "disconnect",
    "acces": "access",
    "acceder": "access",
    "inaccessible": "access",
    "travail": "work",
    "travailler": "work",
    "bosser": "work",
    "casser": "broken",
    "casse": "broken",
    "reparer": "repair",
    "reparateur": "repair",
    "fuir": "leak",
    "fuite": "leak",
    "telephone": "phone",
    "appel": "call",
    "appeler": "call",
    "mail": "email",
    "courriel": "email",
    "badge": "badge",
    "imprimer": "printer",
    "mot de passe": "password",
}

_UNSTRIPPED_ENDINGS: Final = ("ss", "us", "is", "ous")


def fold(word: str) -> str:
    """Lowercase and drop accents: « Réunion » and "reunion" are one word (typos often drop accents)."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _strip_suffix(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(_UNSTRIPPED_ENDINGS):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]  # jammed -> jamm -> jam
            break
    return word


@lru_cache(maxsize=200_000)
def term_of(lemma: str) -> str:
    """The language-neutral term a content lemma counts as when insights are compared."""
    folded = fold(lemma)
    # The English side goes through the same suffix strip as English lemmas: « réunion » → ``meeting``
    # → ``meet``, like "meetings" → ``meet``.
    return _strip_suffix(FR_TO_EN.get(folded, folded))
