"""The bot's words in French (the company's first language) and English, chosen by PEPITES_LANGUAGE."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "saved": "Pépite n°{id} enregistrée, merci !",
        "saved_again": "Ce message est déjà enregistré (pépite n°{id}).",
        "tagging": "Analyse en cours…",
        "tags": "*Type :* {kind} ({confidence} %) · *Langue :* {language}",
        "signal": "*Signal client :* {signal} — {subject}",
        "keywords": "*Mots-clés :* {keywords}",
        "anonymous_note": "Anonyme : personne ne saura que c'est vous.",
        "change_kind": "Changer le type",
        "make_anonymous": "Rendre anonyme",
        "delete": "Supprimer",
        "delete_confirm_title": "Supprimer ?",
        "delete_confirm_text": "Cette pépite sera effacée pour de bon.",
        "delete_confirm_yes": "Supprimer",
        "cancel": "Annuler",
        "deleted": "Pépite n°{id} supprimée.",
        "kind_changed": "Type changé en {kind}, merci : Pépites apprend de vos corrections.",
        "now_anonymous": "La pépite n°{id} est maintenant anonyme.",
        "not_yours": "Seule la personne qui a partagé cette pépite peut la modifier.",
        "not_found": "Cette pépite n'existe plus.",
        "empty": "Il manque le texte : écrivez `/insight` suivi de ce que vous avez vu ou entendu.",
        "too_long": "C'est trop long ({length} caractères, {limit} au plus). Raccourcissez et réessayez ; "
        "votre texte :",
        "unknown_subcommand": "Je ne connais pas la commande `{word}`. Pour partager une pépite, écrivez une phrase : "
        "`/insight <texte>`. Aide : `/insight help`.",
        "store_failed": "Je n'ai pas pu enregistrer votre pépite (base de données indisponible). Réessayez dans un "
        "instant ; votre texte, pour ne rien perdre :",
        "store_failed_modal": "Base de données indisponible : réessayez dans un instant (votre texte reste ici).",
        "empty_modal": "Écrivez ce que vous avez vu ou entendu.",
        "no_text": "Ce message n'a pas de texte à enregistrer (seulement des fichiers). Décrivez-le avec `/insight`.",
        "mine_empty": "Vous n'avez encore partagé aucune pépite. Essayez `/insight <texte>`.",
        "mine_title": "Vos dernières pépites",
        "status_open": "ouverte",
        "status_acknowledged": "prise en compte",
        "status_assigned": "assignée",
        "status_resolved": "résolue",
        "status_dismissed": "écartée",
        "kind_problem": "problème",
        "kind_dysfunction": "dysfonctionnement",
        "kind_success": "succès",
        "kind_idea": "idée",
        "kind_other": "autre",
        "kind_pending": "en analyse",
        "signal_lead": "piste commerciale",
        "signal_at_risk": "client à risque",
        "signal_reference": "client référent",
        "signal_competitor": "concurrent",
        "modal_title": "Partager une pépite",
        "modal_submit": "Enregistrer",
        "modal_text": "Ce que vous avez vu ou entendu",
        "modal_text_hint": "Un problème, un dysfonctionnement, un succès, une idée… en une à quatre phrases.",
        "modal_kind": "Type (facultatif)",
        "modal_kind_placeholder": "Laisser Pépites décider",
        "modal_anonymous": "Confidentialité",
        "modal_anonymous_option": "Partager anonymement",
        "modal_customer": "Client ou prospect concerné (facultatif)",
        "modal_from": "Message de <@{author}> dans <#{channel}>",
        "notice_title": "Pépites",
        "close": "Fermer",
        "help": "*Pépites* transforme ce qui se dit à la machine à café en choses réparées, répétées ou vendues.\n"
        "• `/insight <texte>` : partager une pépite (problème, dysfonctionnement, succès, idée)\n"
        "• `/insight` seul : ouvrir le formulaire (type, anonymat, client)\n"
        "• Raccourci de message « Save as insight » : enregistrer le message d'un·e collègue\n"
        "• Réaction :{emoji}: sur un message : l'enregistrer\n"
        "• `/insight mine` : vos dernières pépites et leur statut\n"
        "• `/insight help` : cette aide",
    },
    "en": {
        "saved": "Insight #{id} saved, thank you!",
        "saved_again": "This message is already saved (insight #{id}).",
        "tagging": "Reading it…",
        "tags": "*Kind:* {kind} ({confidence}%) · *Language:* {language}",
        "signal": "*Customer signal:* {signal} — {subject}",
        "keywords": "*Keywords:* {keywords}",
        "anonymous_note": "Anonymous: nobody will know it was you.",
        "change_kind": "Change kind",
        "make_anonymous": "Make anonymous",
        "delete": "Delete",
        "delete_confirm_title": "Delete?",
        "delete_confirm_text": "This insight will be erased for good.",
        "delete_confirm_yes": "Delete",
        "cancel": "Cancel",
        "deleted": "Insight #{id} deleted.",
        "kind_changed": "Kind changed to {kind}, thanks: Pépites learns from your corrections.",
        "now_anonymous": "Insight #{id} is now anonymous.",
        "not_yours": "Only the person who shared this insight can change it.",
        "not_found": "This insight no longer exists.",
        "empty": "The text is missing: type `/insight` followed by what you saw or heard.",
        "too_long": "That is too long ({length} characters, {limit} at most). Shorten it and try again; your text:",
        "unknown_subcommand": "I don't know the command `{word}`. To share an insight, write a sentence: "
        "`/insight <text>`. Help: `/insight help`.",
        "store_failed": "I could not save your insight (the database is unavailable). Please try again in a moment; "
        "your text, so nothing is lost:",
        "store_failed_modal": "The database is unavailable: try again in a moment (your text stays here).",
        "empty_modal": "Write what you saw or heard.",
        "no_text": "This message has no text to save (files only). Describe it with `/insight`.",
        "mine_empty": "You have not shared any insight yet. Try `/insight <text>`.",
        "mine_title": "Your latest insights",
        "status_open": "open",
        "status_acknowledged": "acknowledged",
        "status_assigned": "assigned",
        "status_resolved": "resolved",
        "status_dismissed": "dismissed",
        "kind_problem": "problem",
        "kind_dysfunction": "dysfunction",
        "kind_success": "success",
        "kind_idea": "idea",
        "kind_other": "other",
        "kind_pending": "being read",
        "signal_lead": "lead",
        "signal_at_risk": "customer at risk",
        "signal_reference": "reference customer",
        "signal_competitor": "competitor",
        "modal_title": "Share an insight",
        "modal_submit": "Save",
        "modal_text": "What you saw or heard",
        "modal_text_hint": "A problem, a dysfunction, a success, an idea… in one to four sentences.",
        "modal_kind": "Kind (optional)",
        "modal_kind_placeholder": "Let Pépites decide",
        "modal_anonymous": "Privacy",
        "modal_anonymous_option": "Share anonymously",
        "modal_customer": "Customer or prospect concerned (optional)",
        "modal_from": "Message from <@{author}> in <#{channel}>",
        "notice_title": "Pépites",
        "close": "Close",
        "help": "*Pépites* turns what people say at the coffee machine into things that get fixed, repeated or sold.\n"
        "• `/insight <text>`: share an insight (problem, dysfunction, success, idea)\n"
        "• `/insight` alone: open the form (kind, anonymity, customer)\n"
        "• Message shortcut “Save as insight”: save a colleague's message\n"
        "• Reaction :{emoji}: on a message: save it\n"
        "• `/insight mine`: your latest insights and their status\n"
        "• `/insight help`: this help",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The message ``key`` in ``lang`` (French when unknown), with ``values`` filled in."""
    catalogue = MESSAGES.get(lang, MESSAGES["fr"])
    return catalogue[key].format(**values) if values else catalogue[key]
