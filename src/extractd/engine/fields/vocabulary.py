"""Label vocabulary for invoices in English, German, French and Dutch (synonyms per Concept).

Kept apart from the finders so the lists can grow without burying the logic. Matching is tolerant
(labels.py): case, punctuation, spacing and one-letter OCR typos do not matter.
"""

from __future__ import annotations

from extractd.engine.types import Concept

# fmt: off
LABELS: dict[Concept, tuple[str, ...]] = {
    Concept.INVOICE_NUMBER: (
        "Invoice Number", "Invoice No", "Invoice Nr", "Invoice #", "Invoice ID", "Invoice Ref", "Bill No",
        "Bill Number", "Credit Note No", "Credit Note Number", "Document No", "Rechnungsnummer",
        "Rechnungs-Nr", "Rechnung Nr", "Rechnungsnr", "Rechnung-Nr", "Beleg-Nr", "Belegnummer",
        "Gutschriftsnummer", "Gutschrift Nr", "N° de facture", "Numéro de facture", "Facture N°",
        "Facture n", "Facture No", "Avoir N°", "N° d'avoir", "Factuurnummer", "Factuur nummer", "Factuurnr",
        "Factuur nr", "Creditnota nummer", "Invoice", "Rechnung", "Facture", "Factuur", "Gutschrift",
        "Avoir", "Receipt No", "Bon No", "Bill", "Nummer", "Number", "No", "Nr", "N°", "#", "Booking ID",
        "Reference", "N° facture", "No. facture", "Facture numéro", "Invoice Num", "Inv No", "Inv #",
        "Rechnungs Nr", "Invoice Serial No", "Tax Invoice No", "Document number", "Factuur no",
        "Factura", "Número de factura", "Numero de factura", "N° de factura", "Nº de factura", "Factura N°",
        "Factura No", "Factura Nº", "Nº Factura", "N° Factura", "Factura electrónica de venta", "Faktura",
        "Číslo faktury", "Faktura č", "Número", "Numero", "Nº", "Fattura", "Numero fattura", "Fattura n",
    ),
    Concept.ISSUE_DATE: (
        "Invoice Date", "Date of Invoice", "Date of issue", "Issue Date", "Invoice Date:", "Billing Date",
        "Rechnungsdatum", "Belegdatum", "Datum der Rechnung", "Ausstellungsdatum", "Date de facture",
        "Date de facturation", "Date d'émission", "Factuurdatum", "Datum factuur", "Date", "Datum", "Dated",
        "vom", "du", "Invoice date/Tax point", "Tax point", "Datum Rechnung", "Date facture", "Fecha",
        "Fecha de emisión", "Fecha de factura", "Fecha factura", "Fecha de expedición", "Datum vystavení",
        "Datum vydání", "Data fattura", "Data di emissione",
    ),
    Concept.DUE_DATE: (
        "Due Date", "Payment Due", "Date Due", "Due by", "Pay by", "Payment due date", "Fälligkeitsdatum",
        "Fällig am", "Fälligkeit", "zahlbar bis", "Zahlungsziel", "Zahlbar bis zum", "Date d'échéance",
        "Échéance", "Date limite de paiement", "à payer avant le", "Vervaldatum", "Vervaldag",
        "Te betalen voor", "Uiterste betaaldatum", "Due", "Payment due by", "Due on", "Fällig bis",
        "Zahlungsfrist", "Date de paiement", "Date limite", "Betalen voor", "Uiterlijk betalen op",
        "Fecha de vencimiento", "Vencimiento", "Datum splatnosti", "Splatnost", "Data di scadenza",
        "Scadenza", "Pay until", "Please pay until", "Payable by", "Payable until",
    ),
    Concept.GRAND_TOTAL: (
        "Total", "Total Amount", "Amount Due", "Total Due", "Grand Total", "Balance Due", "Invoice Total",
        "Total incl. VAT", "Total including VAT", "Total incl. tax", "Amount payable", "Total payable",
        "Amount to pay", "Total to pay", "Gesamtbetrag", "Gesamtsumme", "Rechnungsbetrag", "Endbetrag",
        "Zu zahlender Betrag", "Zahlbetrag", "Bruttobetrag", "Gesamt brutto", "Summe brutto", "Brutto",
        "Rechnungssumme", "Gesamt", "Summe", "Total TTC", "Montant TTC", "Net à payer", "Montant total",
        "Total à payer", "Montant à payer", "Totaal", "Totaal incl. BTW", "Te betalen", "Totaalbedrag",
        "Totaal te betalen", "Factuurbedrag", "Amount", "Total EUR", "Total USD", "Gross amount",
        "Bruttosumme", "Inclusief BTW", "Incl. BTW", "Total for this invoice", "Total amount due",
        "Invoice Value", "Total Invoice Value", "Total Value", "Amount Payable", "Montant net à payer",
        "Total amount payable", "Total (incl. tax)", "Total incl. GST", "Gesamtsumme brutto",
        "Totaal incl. btw", "Te voldoen", "Total general", "Total TTC à payer", "Net to pay", "Amount due",
        "Rechnungsendbetrag", "Total factura", "Importe total", "Total a pagar", "Saldo adeudado", "Celkem",
        "Celkem k úhradě", "K úhradě", "Totale", "Totale fattura", "Totale documento", "Total general",
    ),
    Concept.NET_TOTAL: (
        "Subtotal", "Sub Total", "Sub-total", "Net Amount", "Net Total", "Total Net", "Total excl. VAT",
        "Total excluding VAT", "Total before tax", "Total excl. tax", "Amount excl. VAT", "Taxable amount",
        "Nettobetrag", "Netto", "Summe netto", "Gesamt netto", "Nettosumme", "Zwischensumme", "Warenwert",
        "Summe Positionen", "Total HT", "Montant HT", "Sous-total", "Sous total", "Total hors taxes",
        "Montant hors taxes", "Totaal excl. BTW", "Subtotaal", "Netto bedrag", "Totaal exclusief BTW", "Net",
        "Total Nettobetrag", "Gesamtbetrag netto", "Exclusief BTW", "Excl. BTW", "Rechnungssumme ohne USt",
        "Summe ohne MwSt", "Positionssumme", "Net amount", "Total HT net", "Montant net HT", "Total net HT",
        "Nettowert", "Total exclusive of tax", "Taxable value", "Subtotal excl. VAT", "Subtotaal excl. btw",
        "Base imponible", "Total parcial", "Importe neto", "Celkem bez DPH", "Cena bez daně", "Základ daně",
        "Imponibile", "Totale imponibile",
    ),
    Concept.TAX_TOTAL: (
        "VAT", "Tax", "Total Tax", "Sales Tax", "VAT Amount", "Tax Amount", "Total VAT", "GST", "IGST",
        "CGST", "SGST", "MwSt", "MwSt.-Betrag", "Mehrwertsteuer", "USt", "Umsatzsteuer", "Steuerbetrag",
        "Summe MwSt", "Summe USt", "zzgl. MwSt", "zzgl. USt", "TVA", "Montant TVA", "Total TVA", "BTW",
        "BTW bedrag", "Totaal BTW", "Btw", "Steuer", "Sales tax", "Total taxes", "Total tax", "Taxes",
        "Steuerbetrag in", "Tax total", "Total GST", "GST amount", "Montant de la TVA", "TVA totale",
        "Summe Steuer", "Umsatzsteuerbetrag", "Mehrwertsteuerbetrag", "BTW totaal", "btw", "IVA", "Total IVA",
        "Cuota IVA", "Total impuestos", "Impuestos", "DPH", "Daň", "Imposta", "Totale IVA",
    ),
    Concept.PURCHASE_ORDER: (
        "PO Number", "PO No", "PO #", "Purchase Order", "Order Number", "Order No", "Your order",
        "Bestellnummer", "Bestell-Nr", "Ihre Bestellung", "Auftragsnummer", "Auftrag Nr", "Bon de commande",
        "N° de commande", "Commande", "Bestelnummer", "Inkooporder", "Ordernummer", "Your reference",
    ),
    Concept.SELLER_TAX_ID: (
        "VAT ID", "VAT No", "VAT Number", "VAT Reg No", "Tax ID", "Tax Number", "USt-IdNr", "USt-ID",
        "UStIdNr", "Ust-IdNr", "Steuernummer", "Steuer-Nr", "St.-Nr", "N° TVA", "TVA intracommunautaire",
        "N° TVA intracommunautaire", "BTW-nummer", "BTW nr", "BTW-nr", "GSTIN", "GST No", "GST Reg No",
        "SST No", "TIN", "SIRET", "VAT",
    ),
    Concept.PAYMENT_METHOD: (
        "Payment method", "Payment type", "Paid by", "Zahlungsart", "Zahlart", "Mode de paiement",
        "Mode de règlement", "Betaalwijze", "Betaalmethode",
    ),
}

# Short generic labels that are also ordinary words: a hit on them is weaker evidence.
WEAK_LABELS = (
    "Invoice", "Rechnung", "Facture", "Factuur", "Gutschrift", "Avoir", "Bill", "Nummer", "Number", "No",
    "Date", "Datum", "Amount", "Summe", "Gesamt", "Net", "Netto", "Brutto", "Steuer", "VAT", "Due", "Dated",
    "Total", "Nr", "N°", "#", "Reference", "ohne USt", "ohne MwSt", "Factura", "Faktura", "Fattura", "Número",
    "Numero", "Nº", "Fecha",
)

CURRENCY_LABELS = (
    "Currency", "Invoice currency", "Währung", "Rechnungswährung", "Beträge in", "Devise", "Monnaie",
    "Valuta", "Munteenheid", "Amounts in", "All amounts in",
)
# fmt: on
