"""``pepites export``: every insight of a workspace with its tags and status, as JSON Lines or CSV."""

from __future__ import annotations

import csv
import json
from typing import TextIO

from sqlalchemy.orm import Session, sessionmaker

from models.privacy import EXPORT_FIELDS, export_rows


def write_export(sessions: sessionmaker[Session], team_id: str, fmt: str, out: TextIO) -> int:
    """Write the export; returns the number of insights written. Anonymous reporters stay anonymous."""
    count = 0
    with sessions.begin() as session:
        if fmt == "csv":
            writer = csv.DictWriter(out, fieldnames=list(EXPORT_FIELDS), extrasaction="ignore")
            writer.writeheader()
            for row in export_rows(session, team_id):
                row["keywords"] = ", ".join(str(k) for k in row["keywords"])
                row["entities"] = json.dumps(row["entities"], ensure_ascii=False)
                writer.writerow(row)
                count += 1
        else:
            for row in export_rows(session, team_id):
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    return count
