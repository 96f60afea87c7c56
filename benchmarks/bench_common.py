"""What the benchmark scripts share: byte formatting and where their Markdown results go."""

from __future__ import annotations

from pathlib import Path


def fmt_bytes(value: float) -> str:
    if value < 1024:
        return f"{value:,.0f} B"
    if value < 1024 * 1024:
        return f"{value / 1024:,.1f} KB"
    return f"{value / 1024 / 1024:,.2f} MB"


def publish(out_dir: Path, name: str, text: str) -> Path:
    """Print the results and keep them as benchmarks/results/<name>.md (or under --out)."""
    results = Path(out_dir) / "results" / f"{name}.md"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(text, encoding="utf-8")
    print(text)
    print(f"Written to {results}")
    return results
