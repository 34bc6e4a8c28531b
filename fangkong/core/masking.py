"""How personal values look wherever they are not shown in full."""

from __future__ import annotations


def mask_document(number: str | None) -> str:
    """`410402199001011234` → `410402********1234`; shorter documents keep 2 + 2."""
    if not number:
        return ""
    if len(number) >= 15:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


def mask_phone(phone: str | None) -> str:
    """`13812345678` → `138****5678`."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str | None) -> str:
    """`张三丰` → `张**`: used only where a name appears outside the person's own record (audit diffs)."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


def mask_address(address: str | None) -> str:
    if not address:
        return ""
    keep = max(len(address) // 2, 1)
    return address[:keep] + "*" * (len(address) - keep)
