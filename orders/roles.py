"""The staff roles: Django groups created by migration, with the permissions each one needs."""

from django.utils.translation import gettext_lazy as _

MANAGER = "Менеджер"
WAREHOUSE = "Кладовщик"
TEAM_LEAD = "Руководитель отдела продаж"

ROLE_DESCRIPTIONS = {
    MANAGER: _("Takes requests, fills deals, sends payment links, moves orders along."),
    WAREHOUSE: _("Assembles orders and hands them over."),
    TEAM_LEAD: _("Sees every store, may mark paid by hand, cancel paid orders, close returns."),
}

_VIEW_CATALOG = [
    "catalog.view_store",
    "catalog.view_warehouse",
    "catalog.view_product",
    "catalog.view_stocklevel",
]
_WORK_WITH_CUSTOMERS = [
    "contacts.view_contact",
    "contacts.add_contact",
    "contacts.change_contact",
    "contacts.view_company",
    "contacts.add_company",
    "contacts.change_company",
]
_WORK_WITH_DEALS = [
    "deals.view_deal",
    "deals.add_deal",
    "deals.change_deal",
    "deals.view_dealitem",
    "deals.add_dealitem",
    "deals.change_dealitem",
    "deals.delete_dealitem",
    "deals.view_dealtransition",
    "deals.view_refusalreason",
    "deals.take_into_work_deal",
    "deals.place_order_deal",
    "deals.lose_deal",
]
_WORK_WITH_ORDERS = [
    "orders.view_order",
    "orders.change_order",
    "orders.view_orderitem",
    "orders.add_orderitem",
    "orders.change_orderitem",
    "orders.delete_orderitem",
    "orders.view_ordertransition",
]

_OWN_TASKS = [
    "automation.view_task",
    "automation.add_task",
    "automation.change_task",
    "automation.view_checklistitem",
    "automation.add_checklistitem",
    "automation.change_checklistitem",
    "automation.delete_checklistitem",
    "automation.view_triggerfiring",
]
_CONVERSATIONS = ["contacts.view_message", "contacts.view_messagetemplate"]
#: Assembly documents are read-only pages: the order's transitions change them.
_ASSEMBLY_DOCUMENTS = ["fulfillment.view_assemblydocument", "fulfillment.view_assemblyline"]
#: Shipments and their carrier statuses are read-only too; a refused one is sent again.
_SHIPMENTS = [
    "fulfillment.view_shipment",
    "fulfillment.view_shipmentevent",
    "fulfillment.retry_shipment",
]
#: Returns are read on their own list; they change through the order's transitions.
_RETURNS = ["orders.view_orderreturn", "orders.view_returnline", "orders.view_returnreason"]
#: What 1C said about an order (its number there, posted...), on the order page.
_ORDER_IN_1C = ["fulfillment.view_onecorder"]
#: Who got each new deal and by which rule; the store's own website events of its orders.
_DISTRIBUTION_LOG = ["deals.view_dealassignment"]
_STORE_EVENTS = ["orders.view_storeevent"]

#: Role → permissions ("app_label.codename"). Migrations apply this; change both together
#: (tests/orders/test_roles.py fails until a migration follows a change here).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    MANAGER: [
        *_VIEW_CATALOG,
        *_WORK_WITH_CUSTOMERS,
        *_WORK_WITH_DEALS,
        *_WORK_WITH_ORDERS,
        "orders.send_payment_link_order",
        "orders.confirm_order",
        "orders.start_assembly_order",
        "orders.hand_to_delivery_order",
        "orders.ready_for_pickup_order",
        "orders.arrive_at_pickup_point_order",
        "orders.issue_order",
        "orders.fail_delivery_order",
        "orders.request_return_order",
        "orders.cancel_order",
        "orders.view_reports_order",
        *_OWN_TASKS,
        *_CONVERSATIONS,
        *_ASSEMBLY_DOCUMENTS,
        *_SHIPMENTS,
        *_ORDER_IN_1C,
        *_RETURNS,
        *_DISTRIBUTION_LOG,
        *_STORE_EVENTS,
    ],
    WAREHOUSE: [
        *_VIEW_CATALOG,
        "catalog.change_stocklevel",
        "contacts.view_contact",
        "orders.view_order",
        "orders.view_orderitem",
        "orders.view_ordertransition",
        "orders.start_assembly_order",
        "orders.finish_assembly_order",
        "orders.hand_to_delivery_order",
        "orders.ready_for_pickup_order",
        "orders.issue_order",
        "orders.receive_back_order",
        *_OWN_TASKS,
        *_ASSEMBLY_DOCUMENTS,
        *_SHIPMENTS,
        *_RETURNS,
        "orders.inspect_orderreturn",
    ],
    TEAM_LEAD: [
        *_VIEW_CATALOG,
        *_WORK_WITH_CUSTOMERS,
        *_WORK_WITH_DEALS,
        *_WORK_WITH_ORDERS,
        "catalog.access_all_stores",
        "catalog.change_product",
        "catalog.change_stocklevel",
        "deals.add_refusalreason",
        "deals.change_refusalreason",
        "automation.view_heartbeat",
        "automation.receive_escalations",
        *_OWN_TASKS,
        *_CONVERSATIONS,
        *_ASSEMBLY_DOCUMENTS,
        *_SHIPMENTS,
        "fulfillment.view_carrierstatusmapping",
        "fulfillment.change_carrierstatusmapping",
        "fulfillment.add_carrierstatusmapping",
        *_ORDER_IN_1C,
        "fulfillment.view_exchangelog",
        *_RETURNS,
        "orders.inspect_orderreturn",
        "orders.add_returnreason",
        "orders.change_returnreason",
        *_DISTRIBUTION_LOG,
        *_STORE_EVENTS,
        "orders.resend_storeevent",
        *(
            f"deals.{action}_{model}"
            for model in ("managerprofile", "distributionrule", "storedistributionsettings")
            for action in ("view", "add", "change", "delete")
        ),
        *(
            f"{app}.{action}_{model}"
            for app, model in (
                ("automation", "stagelimit"),
                ("automation", "trigger"),
                ("automation", "triggeraction"),
                ("contacts", "messagetemplate"),
            )
            for action in ("add", "change", "delete")
        ),
        "automation.view_stagelimit",
        "automation.view_trigger",
        "automation.view_triggeraction",
        "accounts.view_user",
        *(
            f"orders.{name}_order"
            for name in (
                "send_payment_link",
                "confirm",
                "mark_paid",
                "start_assembly",
                "finish_assembly",
                "hand_to_delivery",
                "ready_for_pickup",
                "arrive_at_pickup_point",
                "issue",
                "fail_delivery",
                "receive_back",
                "request_return",
                "complete_return",
                "reject_return",
                "cancel",
                "cancel_paid",
                "view_reports",
            )
        ),
    ],
}
