from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from django.http import QueryDict

from integrations.errors import InvalidSignature, PermanentError
from integrations.smsru.client import (
    SmsStatus,
    format_status_entry,
    parse_status_callback,
    sign_status_callback,
)

API_ID = "test-api-id"
DELIVERED = "sms_status\n000000-10000001\n103\n1767225600"
FAILED = "sms_status\n000000-10000002\n104\n1767225660"
ON_ITS_WAY = "sms_status\n000000-10000003\n102\n1767225720"


def test_sign_status_callback_hashes_api_id_and_entries_in_order():
    form = sign_status_callback([DELIVERED, FAILED], api_id=API_ID)

    expected = hashlib.sha256(f"{API_ID}{DELIVERED}{FAILED}".encode()).hexdigest()
    assert form == {"data[0]": DELIVERED, "data[1]": FAILED, "hash": expected}


def test_it_reads_a_correctly_signed_callback():
    form = sign_status_callback([DELIVERED, FAILED, ON_ITS_WAY], api_id=API_ID)

    statuses = parse_status_callback(form, api_id=API_ID)

    assert statuses == [
        SmsStatus(
            sms_id="000000-10000001",
            status_code=103,
            at=datetime(2026, 1, 1, tzinfo=UTC),
            delivered=True,
            failed=False,
        ),
        SmsStatus(
            sms_id="000000-10000002",
            status_code=104,
            at=datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
            delivered=False,
            failed=True,
        ),
        SmsStatus(
            sms_id="000000-10000003",
            status_code=102,
            at=datetime(2026, 1, 1, 0, 2, tzinfo=UTC),
            delivered=False,
            failed=False,
        ),
    ]


def test_it_reads_a_django_query_dict_as_the_webhook_gets_it():
    form = QueryDict(mutable=True)
    form.update(sign_status_callback([DELIVERED], api_id=API_ID))

    [status] = parse_status_callback(form, api_id=API_ID)

    assert status.delivered
    assert status.at.tzinfo is UTC


def test_it_hashes_entries_in_index_order_not_form_order():
    signed = sign_status_callback([DELIVERED, FAILED], api_id=API_ID)
    shuffled = {"hash": signed["hash"], "data[1]": FAILED, "data[0]": DELIVERED}

    assert [s.sms_id for s in parse_status_callback(shuffled, api_id=API_ID)] == [
        "000000-10000001",
        "000000-10000002",
    ]


@pytest.mark.parametrize("code", [103, 110])
def test_delivered_and_read_count_as_delivered(code):
    entry = f"sms_status\n1-1\n{code}\n1767225600"

    [status] = parse_status_callback(sign_status_callback([entry], api_id=API_ID), api_id=API_ID)

    assert (status.delivered, status.failed) == (True, False)


@pytest.mark.parametrize("code", [-1, 104, 105, 106, 107, 108, 130, 131, 132, 150])
def test_final_failures_are_failed(code):
    entry = f"sms_status\n1-1\n{code}\n1767225600"

    [status] = parse_status_callback(sign_status_callback([entry], api_id=API_ID), api_id=API_ID)

    assert (status.delivered, status.failed) == (False, True)


@pytest.mark.parametrize("code", [100, 101, 102])
def test_queued_and_sent_are_in_progress(code):
    entry = f"sms_status\n1-1\n{code}\n1767225600"

    [status] = parse_status_callback(sign_status_callback([entry], api_id=API_ID), api_id=API_ID)

    assert (status.delivered, status.failed) == (False, False)


def test_it_ignores_entries_of_other_types_but_still_checks_their_hash():
    entries = ["test\n1767225600", "callcheck_status\n201737-542\n401\n1767225600", DELIVERED]
    form = sign_status_callback(entries, api_id=API_ID)

    assert [s.sms_id for s in parse_status_callback(form, api_id=API_ID)] == ["000000-10000001"]


def test_it_refuses_a_wrong_hash():
    form = sign_status_callback([DELIVERED], api_id="someone-else")

    with pytest.raises(InvalidSignature):
        parse_status_callback(form, api_id=API_ID)


def test_it_refuses_a_tampered_entry():
    form = sign_status_callback([DELIVERED], api_id=API_ID)
    form["data[0]"] = DELIVERED.replace("103", "104")

    with pytest.raises(InvalidSignature):
        parse_status_callback(form, api_id=API_ID)


def test_it_refuses_a_missing_hash():
    form = sign_status_callback([DELIVERED], api_id=API_ID)
    del form["hash"]

    with pytest.raises(InvalidSignature):
        parse_status_callback(form, api_id=API_ID)


def test_invalid_signature_is_a_permanent_error():
    assert issubclass(InvalidSignature, PermanentError)


def test_it_raises_permanent_for_a_signed_but_unreadable_entry():
    form = sign_status_callback(["sms_status\n1-1\nnot-a-code\n1767225600"], api_id=API_ID)

    with pytest.raises(PermanentError, match="unreadable"):
        parse_status_callback(form, api_id=API_ID)


def test_format_status_entry_writes_what_parse_reads():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    entry = format_status_entry(sms_id="1-1", status_code=103, at=at)

    assert entry == "sms_status\n1-1\n103\n1767225600"
