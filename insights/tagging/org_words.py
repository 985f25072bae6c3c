"""Word lists that tell organisation names from other capitalised words (see :mod:`insights.tagging.orgs`)."""

from __future__ import annotations

ARTICLES = frozenset({"le", "la", "les", "l'", "l’", "the", "un", "une", "a", "an", "des", "du", "au", "aux"})
CONNECTORS = frozenset(
    {"de", "du", "des", "d'", "d’", "&", "and", "of", "la", "le", "les", "l'", "del", "di", "von", "van"}
)
ORG_HEADS = frozenset(
    "laboratoires laboratoire maison groupe group boulangerie boulangeries fromagerie fromageries pharmacie pharmacies "
    "clinique hôtel hôtels hotel hotels traiteur cave caves brasserie brasseries primeurs épicerie épiceries ville "
    "mairie cuisine cuisines coop coopérative pâtisseries pâtisserie supermarchés restaurants restaurant hôpital "
    "collège lycée charcuterie vergers optique atelier vins laiterie cafés halles magasin boucherie boucheries "
    "transports société établissements ets région département université institut centre cabinet".split()
)
ORG_SUFFIXES = frozenset(
    "sa sas sarl bv gmbh ag inc ltd llc plc co uk ab oy spa srl nv corp group groupe foods food logistics catering "
    "seafood pharma hotels hospitality markets retail traders dairy bakery deli care schools frio fresh restauration "
    "kühlhaus".split()
)
# Tools, platforms and calendar words that look like names but are never a customer.
NOT_ORGS = frozenset(
    "crm erp vpn wms teams slack linkedin google excel word outlook drive zoom meet jira sage chorus pro sharepoint "
    "lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday saturday sunday "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre january february march "
    "april may june july august september october november december noël fyi ok merci bravo super top idée idea "
    "proposition proposal suggestion rappel reminder info bonjour hello hi dg daf drh pdg ceo cfo coo cto md it rh "
    "adv sav qa iphone android quelqu qqn dsi".split()
)
CUSTOMER_CUES = frozenset("client cliente clients prospect prospects customer customers chez groupe enseigne".split())
VENDOR_CUES = frozenset(
    "fournisseur fournisseurs transporteur transporteurs prestataire supplier carrier vendor".split()
)
COMPETITOR_CUES = frozenset({"contre", "profit", "against", "versus", "vs", "face"})
PERSON_CUES = frozenset({"merci", "bravo", "thanks", "thx", "grâce", "chapeau", "cc", "ping"})
PLACE_CUES = frozenset({"à", "in", "en", "vers", "sur", "at", "near", "depuis", "from", "entre"})
SUBJECT_VERBS = frozenset(
    "a ont est sont vient veut veulent nous attend attendent menace cherche prépare ouvre revient accepte relance "
    "conteste demande offre propose annonce is has have wants asked escalated just now needs sent got gave lost "
    "dropped published announced".split()
)
MIN_SCORE = 0.5
SENTENCE_END = frozenset({".", "!", "?", "…", ":", ";", "\n"})
