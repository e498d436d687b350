// «Заказ по звонку»: show the company fields for a legal entity, the delivery fields of the
// chosen method, and add item rows. The server checks everything again.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
    const form = document.getElementById('phone-order-form');
    if (!form) {
        return;
    }
    const isCompany = form.querySelector('[name="is_company"]');
    const companyGroup = form.querySelector('.group-company');
    const showCompany = () => companyGroup.classList.toggle('hidden-group', !isCompany.checked);
    isCompany.addEventListener('change', showCompany);
    showCompany();

    // Which delivery fields each method uses (deals.models.CustomerTerms.delivery_errors).
    const deliveryFields = {
        '': [],
        pickup: ['pickup_point'],
        courier: ['delivery_address'],
        cdek: ['pickup_point_code', 'delivery_address'],
    };
    const method = form.querySelector('[name="delivery_method"]');
    const showDelivery = () => {
        const shown = deliveryFields[method.value] || [];
        for (const name of ['delivery_address', 'pickup_point', 'pickup_point_code']) {
            const row = form.querySelector('.field-' + name);
            const hasErrors = row.classList.contains('errors');
            row.classList.toggle('hidden-group', !shown.includes(name) && !hasErrors);
        }
    };
    method.addEventListener('change', showDelivery);
    showDelivery();

    const rows = document.getElementById('items-rows');
    const template = document.getElementById('items-empty-row');
    const total = form.querySelector('[name="items-TOTAL_FORMS"]');
    document.getElementById('items-add').addEventListener('click', (event) => {
        event.preventDefault();
        const index = parseInt(total.value, 10);
        const html = template.innerHTML.replace(/__prefix__/g, String(index));
        rows.insertAdjacentHTML('beforeend', html);
        total.value = String(index + 1);
        // The admin's autocomplete.js turns new rows' selects into product searches.
        rows.lastElementChild.dispatchEvent(new CustomEvent('formset:added', {
            bubbles: true, detail: {formsetName: 'items'},
        }));
    });
});
