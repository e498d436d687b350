"""/1c/exchange: the CommerceML 2 «обмен с сайтом» protocol, with 1C as the client.

    GET  ?type=catalog|sale&mode=checkauth   HTTP Basic → success / cookie name / cookie value
    GET  ?type=…&mode=init                   → zip=no / file_limit=<bytes>
    POST ?type=…&mode=file&filename=…        body appended to the session's file → success
    GET  ?type=catalog&mode=import&filename= the file applied in one transaction → success
    GET  ?type=sale&mode=query               → the orders XML (fulfillment.onec.sale)
    GET  ?type=sale&mode=success             → the export is confirmed → success

Answers are text/plain lines (`success`, `progress`, `failure` + the reason 1C shows its
operator) in settings.ONEC_EXCHANGE_ENCODING. Every call after checkauth must carry the
session cookie. The view only speaks the protocol: the work is in catalog.exchange and
fulfillment.onec.sale / .changes.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.lockout import login_failed, login_locked_out, login_succeeded
from accounts.ratelimit import client_ip
from catalog.exchange import ExchangeError, catalog_import_file

from . import storage
from .changes import ChangesError, sale_apply_file
from .models import ExchangeLog
from .sale import sale_query, sale_success

logger = logging.getLogger(__name__)

#: Uploads under this folder are product pictures: kept, not imported.
PICTURES_FOLDER = "import_files/"


def _text(*lines: str, status: int = 200) -> HttpResponse:
    encoding = settings.ONEC_EXCHANGE_ENCODING
    body = "\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines)
    return HttpResponse(
        body.encode(encoding, "replace"),
        status=status,
        content_type=f"text/plain; charset={encoding}",
    )


def _failure(reason: str, *, status: int = 200) -> HttpResponse:
    return _text("failure", reason, status=status)


def _credentials_ok(request: HttpRequest) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _colon, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    # Both compared whatever the first gives, in constant time.
    user_ok = hmac.compare_digest(user.encode(), settings.ONEC_EXCHANGE_USER.encode())
    password_ok = hmac.compare_digest(password.encode(), settings.ONEC_EXCHANGE_PASSWORD.encode())
    return user_ok and password_ok


#: The name failed logins to the exchange are counted under (accounts.lockout), apart from
#: staff names: the exchange has one login.
LOCKOUT_NAME = "1c-exchange"


def _checkauth(request: HttpRequest) -> HttpResponse:
    address = client_ip(request)
    wait = login_locked_out(LOCKOUT_NAME, address)
    if wait is not None:
        response = _failure(
            _("Too many failed login attempts. Try again in %(minutes)s min.")
            % {"minutes": math.ceil(wait / 60)},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    if not _credentials_ok(request):
        logger.warning("1C exchange: wrong login from %s", address)
        login_failed(LOCKOUT_NAME, address)
        response = _failure(_("Wrong login or password."), status=401)
        response["WWW-Authenticate"] = 'Basic realm="1C exchange", charset="UTF-8"'
        return response
    login_succeeded(LOCKOUT_NAME, address)
    storage.folders_cleanup()
    _session, cookie = storage.session_open()
    response = _text("success", storage.COOKIE_NAME, cookie)
    response.set_cookie(storage.COOKIE_NAME, cookie, httponly=True, samesite="Lax")
    return response


def _init(session: str) -> HttpResponse:
    storage.session_reset(session)
    return _text("zip=no", f"file_limit={settings.ONEC_FILE_LIMIT}")


def _file(request: HttpRequest, session: str, kind: str, filename: str) -> HttpResponse:
    try:
        path = storage.file_path(session, filename)
        storage.file_append(session, filename, request)
    except storage.BadFileName:
        return _failure(_("Bad file name: %(name)s") % {"name": filename})
    if kind == "sale" and storage.file_complete(path):
        return _sale_file(session, filename)
    return _text("success")


def _finish(log: ExchangeLog, *, status: str, counts=None, warnings=(), error="") -> None:
    ExchangeLog.objects.filter(pk=log.pk).update(
        status=status,
        counts=counts or {},
        warnings="\n".join(warnings),
        error=error,
        finished_at=timezone.now(),
    )


def _catalog_import(session: str, filename: str) -> HttpResponse:
    if filename.replace("\\", "/").startswith(PICTURES_FOLDER):
        return _text("success")
    try:
        path = storage.file_path(session, filename)
    except storage.BadFileName:
        return _failure(_("Bad file name: %(name)s") % {"name": filename})
    if not path.is_file():
        return _failure(_("File not found: %(name)s") % {"name": filename})
    log = ExchangeLog.objects.create(
        kind=ExchangeLog.Kind.CATALOG_IMPORT, session=session, filename=filename
    )
    try:
        result = catalog_import_file(path)
    except ExchangeError as error:
        _finish(log, status=ExchangeLog.Status.FAILURE, error=str(error))
        return _failure(str(error))
    except Exception as error:  # a bug: the log must not stay «running»; the error page follows
        _finish(log, status=ExchangeLog.Status.FAILURE, error=repr(error))
        raise
    _finish(log, status=ExchangeLog.Status.SUCCESS, counts=result.counts, warnings=result.warnings)
    return _text("success")


def _sale_file(session: str, filename: str) -> HttpResponse:
    try:
        path = storage.file_path(session, filename)
    except storage.BadFileName:
        return _failure(_("Bad file name: %(name)s") % {"name": filename})
    if not path.is_file():
        return _failure(_("File not found: %(name)s") % {"name": filename})
    log = ExchangeLog.objects.create(
        kind=ExchangeLog.Kind.SALE_FILE, session=session, filename=filename
    )
    try:
        result = sale_apply_file(path)
    except ChangesError as error:
        _finish(log, status=ExchangeLog.Status.FAILURE, error=str(error))
        return _failure(str(error))
    except Exception as error:  # a bug: the log must not stay «running»; the error page follows
        _finish(log, status=ExchangeLog.Status.FAILURE, error=repr(error))
        raise
    _finish(log, status=ExchangeLog.Status.SUCCESS, counts=result.counts, warnings=result.warnings)
    return _text("success")


def _query(session: str) -> HttpResponse:
    encoding = settings.ONEC_EXCHANGE_ENCODING
    return HttpResponse(
        sale_query(session=session), content_type=f"application/xml; charset={encoding}"
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def exchange(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("type", "")
    mode = request.GET.get("mode", "")
    if not (settings.ONEC_EXCHANGE_USER and settings.ONEC_EXCHANGE_PASSWORD):
        return _failure(
            _("The 1C exchange is disabled: set ONEC_EXCHANGE_USER and ONEC_EXCHANGE_PASSWORD.")
        )
    if kind not in ("catalog", "sale"):
        return _failure(_("Unknown exchange type: %(type)s") % {"type": kind})
    if mode == "checkauth":
        return _checkauth(request)
    session = storage.session_from_cookie(request.COOKIES.get(storage.COOKIE_NAME))
    if session is None:
        return _failure(_("No exchange session: log in first (mode=checkauth)."), status=403)
    filename = request.GET.get("filename", "")
    if mode == "init":
        return _init(session)
    if mode == "file":
        return _file(request, session, kind, filename)
    if kind == "catalog" and mode == "import":
        return _catalog_import(session, filename)
    if kind == "sale" and mode == "import":
        return _sale_file(session, filename)
    if kind == "sale" and mode == "query":
        return _query(session)
    if kind == "sale" and mode == "success":
        sale_success(session=session)
        return _text("success")
    # Newer 1C modules call more modes (deactivate, complete...): nothing to do for them.
    return _text("success")
