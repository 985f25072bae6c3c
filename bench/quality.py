"""Every quality figure in one run: ``python -m bench.quality`` (tagging, then themes and trends).

Each part prints its own baseline measured in the same run; see bench/quality_tagging.py and
bench/quality_themes.py for what is measured and how the dev set is split.
"""

from __future__ import annotations

from bench import quality_tagging, quality_themes


def main() -> int:
    print("== tagging: python -m bench.quality_tagging ==", flush=True)
    status = quality_tagging.main()
    print("\n== themes and trends: python -m bench.quality_themes ==", flush=True)
    quality_themes.main()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
