"""Requests signed by a store: `X-Store-Code` and `X-Signature: sha256=<HMAC of the raw body>`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from catalog.models import Store
from integrations.storesite.signing import signature_matches

STORE_HEADER = "X-Store-Code"
SIGNATURE_HEADER = "X-Signature"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


def refuse_oversized(request) -> None:
    """413 before the body is read: a client may not make us buffer more than API_MAX_BODY_BYTES."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.API_MAX_BODY_BYTES:
        raise PayloadTooLarge(
            _("The request body is %(size)s bytes; the limit is %(limit)s.")
            % {"size": length, "limit": settings.API_MAX_BODY_BYTES}
        )


class StoreSignatureAuthentication(BaseAuthentication):
    """Authenticates the store by the HMAC-SHA256 of the raw body with the store's API secret.

    The store is `request.auth`; `request.user` stays anonymous (no staff account behind it).
    """

    def authenticate(self, request):
        code = request.headers.get(STORE_HEADER, "").strip()
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not code or not signature:
            raise exceptions.NotAuthenticated(
                _("Sign the request: the X-Store-Code and X-Signature headers are required.")
            )
        store = Store.objects.filter(code=code, is_active=True).first()
        if store is None:
            raise exceptions.AuthenticationFailed(_("Unknown store code."))
        if not signature_matches(request.body, store.api_secret, signature):
            raise exceptions.AuthenticationFailed(
                _("The signature does not match the request body.")
            )
        return AnonymousUser(), store

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to an unsigned or badly signed request.
        return 'HMAC-SHA256 realm="orders-office", headers="X-Store-Code X-Signature"'


class IsSignedByStore(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Store)


class StoreSignatureScheme(OpenApiAuthenticationExtension):
    target_class = StoreSignatureAuthentication
    name = ["storeCode", "signature"]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": STORE_HEADER,
                "description": "The store's code, as in the back-office.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": SIGNATURE_HEADER,
                "description": (
                    "sha256=<hex HMAC-SHA256 of the exact request body bytes, keyed with the "
                    "store's API secret>. A GET signs the empty body."
                ),
            },
        ]
