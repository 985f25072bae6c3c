"""Workplace words shared by French and English insights, so both languages land in one theme.

Every content lemma becomes a *term*: lowercased, accents dropped, a French word mapped to its English
counterpart when this small lexicon knows it (also when spaCy left a French verb inflected: « coupe » is
read as « couper »), an English word mapped to the lexicon's word for the same subject ("deliver" →
``delivery``, "down" → ``outage``), then a light English suffix strip (``outages`` → ``outage``,
``jammed`` → ``jam``). Terms that name no subject (the insight's kind, praise, filler, times and
amounts) are left out of grouping (:func:`is_theme_term`). Terms are only compared with each other,
never shown: labels show the lemmas as written in the insights.
"""

from __future__ import annotations

import re
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
    "tomber": "outage",
    "hs": "outage",
    "recouper": "outage",
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
    "casser": "break",
    "casse": "break",
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
    # Added 2026-11-23: more of the workplace subjects of TAXONOMY.md (suppliers, sales, office, IT, HR).
    "fournisseur": "supplier",
    "prestataire": "supplier",
    "passerelle": "gateway",
    "offre": "offer",
    "offrir": "offer",
    "proposer": "proposal",
    "proposition": "proposal",
    "demande": "request",
    "demander": "request",
    "recevoir": "receive",
    "reception": "receive",
    "envoyer": "send",
    "envoi": "send",
    "perdre": "lose",
    "perte": "lose",
    "bloquer": "block",
    "blocage": "block",
    "remplacer": "replace",
    "remplacement": "replace",
    "suivi": "tracking",
    "suivre": "tracking",
    "magasin": "store",
    "boutique": "store",
    "abonnement": "subscription",
    "relance": "reminder",
    "relancer": "reminder",
    "rappel": "reminder",
    "refuser": "refuse",
    "refus": "refuse",
    "accepter": "accept",
    "produit": "product",
    "marche": "market",
    "directeur": "director",
    "directrice": "director",
    "commercial": "sales",
    "commerciale": "sales",
    "compta": "accounting",
    "comptabilite": "accounting",
    "comptable": "accounting",
    "gerant": "manager",
    "gerante": "manager",
    "responsable": "manager",
    "chef": "manager",
    "inventaire": "inventory",
    "camion": "truck",
    "quai": "dock",
    "etiquette": "label",
    "carton": "box",
    "boite": "box",
    "rdv": "appointment",
    "rendez-vous": "appointment",
    "prime": "bonus",
    "salaire": "salary",
    "conge": "vacation",
    "vacances": "vacation",
    "clavier": "keyboard",
    "souris": "mouse",
    "casque": "headset",
    "cable": "cable",
    "chargeur": "charger",
    "projecteur": "projector",
    "videoprojecteur": "projector",
    "toilette": "toilet",
    "ascenseur": "elevator",
    "lumiere": "light",
    "eclairage": "light",
    "bruit": "noise",
    "bruyant": "noise",
    "chaise": "chair",
    "fauteuil": "chair",
    "cantine": "canteen",
    "dejeuner": "lunch",
    "repas": "meal",
    "eau": "water",
    "chaud": "hot",
    "chaleur": "hot",
    "froid": "cold",
    "temperature": "temperature",
    "virement": "transfer",
    "transferer": "transfer",
    "carte": "card",
    "banque": "bank",
    "bancaire": "bank",
    "releve": "statement",
    "prelevement": "debit",
    "concurrence": "competitor",
    "partenaire": "partner",
    "qualite": "quality",
    "garantie": "warranty",
    "reclamation": "complaint",
    "plainte": "complaint",
    "plaindre": "complaint",
    "raler": "complaint",
    "avis": "review",
    "deploiement": "deploy",
    "deployer": "deploy",
    "sauvegarde": "backup",
    "identifiant": "login",
    "mdp": "password",
    "droit": "permission",
    "autorisation": "permission",
    "saisir": "entry",
    "saisie": "entry",
    "ressaisir": "entry",
    "ressaisie": "entry",
    "doublon": "duplicate",
    "fiche": "record",
    "tableau": "spreadsheet",
    "tableur": "spreadsheet",
    "logistique": "logistic",
    "tournee": "route",
    "locaux": "office",
    "etage": "floor",
    "cle": "key",
    "mutuelle": "insurance",
    "assurance": "insurance",
    "alternant": "intern",
    "stagiaire": "intern",
    "stage": "internship",
}

# English words that mean the same subject as one of the lexicon's English terms (a verb and its noun,
# two names of one thing): "deliver" and « livrer » count as ``delivery`` like "deliveries".
EN_VARIANTS: Final[dict[str, str]] = {
    "deliver": "delivery",
    "down": "outage",
    "approve": "approval",
    "pay": "payment",
    "late": "delay",
    "delayed": "delay",
    "broken": "break",
    "connection": "connect",
    "respond": "response",
    "reply": "response",
    "answer": "response",
    "fix": "repair",
    "recruit": "hiring",
    "recruitment": "hiring",
    "hire": "hiring",
    "bill": "invoice",
    "billing": "invoice",
    "shipment": "shipping",
    "ship": "shipping",
    "sign": "signature",
    "propose": "proposal",
    "ask": "request",
    "shop": "store",
    "salesperson": "sales",
    "salespeople": "sales",
    "sale": "sales",
    "holiday": "vacation",
    "lift": "elevator",
    "noisy": "noise",
    "loss": "lose",
    "lost": "lose",
    "blocked": "block",
    "replacement": "replace",
    "track": "tracking",
    "refusal": "refuse",
    "deployment": "deploy",
    "release": "deploy",
    "complain": "complaint",
    "remind": "reminder",
    "follow-up": "reminder",
    "excel": "spreadsheet",
    "sheet": "spreadsheet",
    "trainee": "intern",
    "recruiter": "hiring",
}

# Terms that say nothing about a theme's subject, whatever the language: the kind of the insight (an
# idea, a problem, a success: a theme groups all kinds, TAXONOMY.md), praise and filler, ordinals and
# connectives that the lemmatizer keeps as nouns (« du coup », « au lieu de », « grâce à »).
THEME_STOP: Final = frozenset(
    {
        "idee",
        "idea",
        "probleme",
        "problem",
        "souci",
        "issue",
        "bravo",
        "super",
        "great",
        "genial",
        "nul",
        "cool",
        "awesome",
        "fantastic",
        "honestly",
        "basically",
        "actually",
        "instead",
        "coup",
        "lieu",
        "grace",
        "qqn",
        "quelqu'un",
        "fyi",
        "asap",
        "thx",
        "btw",
        "merci",
        "premier",
        "dernier",
        "prochain",
        "deuxieme",
        "troisieme",
        "first",
        "last",
        "next",
        "second",
        "third",
        "journee",
        "weekend",
        "week-end",
        "fois",
        "cas",
        "moment",
        "min",
        "minute",
        "hour",
    }
)
# Times, amounts and counts ("10h", "2h30", "25k€", "3e", "10am"), and units left alone when the tokenizer
# split the number off ("10 k€" → "k€"): numbers the tokenizer did not flag.
_NUMBER_LIKE: Final = re.compile(r"^(?=.)\d*([.,]\d+)?(h\d*|mn|min|am|pm|k|k€|€|\$|%|e|er|eme|nd|st|rd|th|x)?$")

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


def _french(folded: str) -> str | None:
    """The lexicon's English word for a French lemma, also when the lemmatizer left a verb inflected.

    spaCy's French lemmatizer reads unknown verb forms as nouns (« le VPN coupe » → ``coupe``, « le CRM
    plante » → ``plante``, « on ressaisit » → ``ressaisit``): the infinitive is tried when the lemma
    itself is not in the lexicon.
    """
    found = FR_TO_EN.get(folded)
    if found is not None:
        return found
    if folded.endswith("e"):
        return FR_TO_EN.get(folded + "r")  # coupe -> couper
    if folded.endswith(("it", "is")):
        return FR_TO_EN.get(folded[:-1] + "r")  # ressaisit -> ressaisir
    return None


@lru_cache(maxsize=200_000)
def term_of(lemma: str) -> str:
    """The language-neutral term a content lemma counts as when insights are compared."""
    folded = fold(lemma)
    # The English side goes through the same suffix strip as English lemmas: « réunion » → ``meeting``
    # → ``meet``, like "meetings" → ``meet``.
    english = _french(folded) or folded
    # Variants are looked up before and after the strip ("deliver", "delivered" → ``delivery``) and the
    # result stripped again, so every path ends on the same term.
    stripped = _strip_suffix(EN_VARIANTS.get(english, english))
    return _strip_suffix(EN_VARIANTS.get(stripped, stripped))


def is_theme_term(term: str) -> bool:
    """Whether a term may tell two insights' subjects apart (not filler, kind, ordinal or number)."""
    return term not in THEME_STOP and _NUMBER_LIKE.match(term) is None
