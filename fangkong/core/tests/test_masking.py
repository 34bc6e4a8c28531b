import logging

from fangkong.core.logging import MaskPersonalDataFilter
from fangkong.core.masking import mask_document, mask_phone


def test_resident_id_is_masked_to_region_and_last_four():
    assert mask_document("410402198503141234") == "410402********1234"


def test_phone_is_masked_to_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_log_records_never_carry_full_id_or_phone():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "lookup %s by %s", ("410402198503141234", "13812345678"), None
    )
    MaskPersonalDataFilter().filter(record)
    message = record.getMessage()
    assert "410402198503141234" not in message
    assert "13812345678" not in message
    assert "410402********1234" in message
