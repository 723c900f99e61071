import regionCountries from 'sales-tax/res/region_countries.json' with { type: 'json' };
import salesTaxRates from 'sales-tax/res/sales_tax_rates.json' with { type: 'json' };
import usSaasTable from '../../config/tax/us-saas.json' with { type: 'json' };
import { assertInvariant } from './assert.js';
import type { TaxLine } from './invoices.js';

/**
 * Tax on a SaaS charge (SPEC §8), as pure rules over two data files: the rates of the `sales-tax`
 * package (kept up to date by its maintainers) and config/tax/us-saas.json (which US states tax SaaS).
 *
 * Rates are held internally in tenths of a basis point because real rates need them (Québec QST
 * 9.975% = 997.5 bps, New Mexico 4.875%); `TaxLine.rate_bps` may therefore carry one decimal.
 */
export interface TaxParty {
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** US state or Canadian province code, e.g. "NY", "BC". */
  region?: string | undefined;
}

export interface TaxInput {
  seller: TaxParty;
  customer: TaxParty;
  vatId?: string | null;
  amountCents: number;
}

export interface TaxResult {
  lines: TaxLine[];
  taxCents: number;
  reverseCharge: boolean;
  note: string | null;
}

/** Named on invoices and in the README. `date` is the package release date of `version`. */
export const TAX_DATA_SOURCE = {
  name: 'sales-tax (npm), res/sales_tax_rates.json',
  version: '2.23.0',
  date: '2026-05-19',
} as const satisfies { name: string; version: string; date: string };

/** Which US states tax SaaS, and at what state rate: see config/tax/us-saas.json. */
export const US_SAAS_TAX_SOURCE = { name: usSaasTable.source.name, date: usSaasTable.source.date } as const;

export const EU_REVERSE_CHARGE_NOTE =
  'Reverse charge: VAT to be accounted for by the recipient under Article 196 of Council Directive 2006/112/EC.';
export const EU_EXPORT_NOTE =
  'Outside the scope of EU VAT: the place of supply is outside the European Union (Articles 44 and 59 of Council Directive 2006/112/EC).';

const TENTHS_PER_BASIS_POINT = 10;
const TENTHS_OF_BASIS_POINT_PER_UNIT = 100_000;

/** A rate in tenths of a basis point: 19% = 19_000, 9.975% = 9_975. */
type RateTenthBps = number;

interface DataRate {
  readonly type: string;
  readonly rate: RateTenthBps;
}

interface CountryRates extends DataRate {
  readonly regions: ReadonlyMap<string, DataRate>;
}

interface UsStateRule {
  readonly name: string;
  readonly saasRate: RateTenthBps;
}

/** A tax line before it is priced. */
interface RatedLine {
  readonly label: string;
  readonly place: string;
  readonly rate: RateTenthBps;
}

interface TaxDecision {
  readonly rated: readonly RatedLine[];
  readonly reverseCharge: boolean;
  readonly note: string | null;
}

/**
 * Officially assigned ISO 3166-1 alpha-2 codes (the 249 of the tz database's iso3166.tab) plus XK,
 * which the rates data uses for Kosovo.
 */
const ISO_COUNTRY_CODES: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
  BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM
  FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT
  JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN
  MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT
  PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL
  TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW`.split(/\s+/),
);

/** Region names the data has rates for, for line names; Intl has country names but not these. */
const REGION_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  CA: {
    AB: 'Alberta', BC: 'British Columbia', MB: 'Manitoba', NB: 'New Brunswick', NL: 'Newfoundland and Labrador',
    NS: 'Nova Scotia', NT: 'Northwest Territories', NU: 'Nunavut', ON: 'Ontario', PE: 'Prince Edward Island',
    QC: 'Quebec', SK: 'Saskatchewan', YT: 'Yukon',
  },
  ES: { CE: 'Ceuta', ML: 'Melilla', GC: 'Las Palmas, Canary Islands', TF: 'Santa Cruz de Tenerife, Canary Islands' },
};

/**
 * Tax identification number formats, after removing spaces, dots and dashes and upper-casing.
 * EU VAT numbers carry their country prefix (EL for Greece), as VIES and Article 215 require.
 * Format only: no checksums and no registry look-up.
 */
const TAX_ID_FORMATS: Readonly<Record<string, RegExp>> = {
  AT: /^ATU\d{8}$/,
  BE: /^BE[01]\d{9}$/,
  BG: /^BG\d{9,10}$/,
  CY: /^CY\d{8}[A-Z]$/,
  CZ: /^CZ\d{8,10}$/,
  DE: /^DE\d{9}$/,
  DK: /^DK\d{8}$/,
  EE: /^EE\d{9}$/,
  ES: /^ES([A-Z]\d{7}[A-Z0-9]|\d{8}[A-Z])$/,
  FI: /^FI\d{8}$/,
  FR: /^FR[0-9A-HJ-NP-Z]{2}\d{9}$/,
  GR: /^EL\d{9}$/,
  HR: /^HR\d{11}$/,
  HU: /^HU\d{8}$/,
  IE: /^IE(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^IT\d{11}$/,
  LT: /^LT(\d{9}|\d{12})$/,
  LU: /^LU\d{8}$/,
  LV: /^LV\d{11}$/,
  MT: /^MT\d{8}$/,
  NL: /^NL\d{9}B\d{2}$/,
  PL: /^PL\d{10}$/,
  PT: /^PT\d{9}$/,
  RO: /^RO[1-9]\d{1,9}$/,
  SE: /^SE\d{10}01$/,
  SI: /^SI\d{8}$/,
  SK: /^SK\d{10}$/,
  // Outside the EU: UK VAT, Swiss UID (MWST/TVA/IVA), Norwegian MVA, Australian ABN, New Zealand GST,
  // Canadian business number with its GST/HST account, Japanese qualified invoice number, Indian
  // GSTIN, Singapore GST registration.
  GB: /^GB(\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2})$/,
  CH: /^CHE\d{9}(MWST|TVA|IVA)?$/,
  NO: /^NO\d{9}(MVA)?$/,
  AU: /^\d{11}$/,
  NZ: /^\d{8,9}$/,
  CA: /^\d{9}RT\d{4}$/,
  JP: /^T\d{13}$/,
  IN: /^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/,
  SG: /^(M\d{8}[A-Z]|\d{8,9}[A-Z]|[TSR]\d{2}[A-Z]{2}\d{4}[A-Z])$/,
};

const TAX_LABELS: Readonly<Record<string, string>> = { vat: 'VAT', gst: 'GST', hst: 'HST', pst: 'PST', qst: 'QST', igic: 'IGIC' };

const COUNTRY_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

const EU_MEMBERS: ReadonlySet<string> = new Set(regionCountries.EU);
const COUNTRY_RATES: ReadonlyMap<string, CountryRates> = loadCountryRates(salesTaxRates);
const US_SAAS_RULES: ReadonlyMap<string, UsStateRule> = loadUsSaasRules(usSaasTable.states);

export function isKnownCountry(country: string): boolean {
  return ISO_COUNTRY_CODES.has(normalizeCode(country));
}

/** Whether `vatId` looks like a tax number of `country`; false for countries with no known format. */
export function vatIdHasValidFormat(country: string, vatId: string): boolean {
  const format = TAX_ID_FORMATS[normalizeCode(country)];
  return format !== undefined && format.test(normalizeTaxId(vatId));
}

/** Throws a RangeError when the seller's or the customer's country is not an ISO 3166-1 code. */
export function computeTax(input: TaxInput): TaxResult {
  assertInvariant(
    Number.isSafeInteger(input.amountCents) && input.amountCents >= 0,
    `tax base must be a non-negative whole number of cents, got ${input.amountCents}`,
  );
  const seller = knownParty(input.seller, 'seller');
  const customer = knownParty(input.customer, 'customer');
  const business = input.vatId != null && vatIdHasValidFormat(customer.country, input.vatId);
  const decision = EU_MEMBERS.has(seller.country)
    ? decideForEuSeller(seller, customer, business)
    : decideForNonEuSeller(seller, customer, business);
  return priced(decision, input.amountCents);
}

function decideForEuSeller(seller: NormalizedParty, customer: NormalizedParty, business: boolean): TaxDecision {
  if (customer.country === seller.country) return charged(indirectTaxLines(customer));
  if (!EU_MEMBERS.has(customer.country)) return { rated: [], reverseCharge: false, note: EU_EXPORT_NOTE };
  if (business) return { rated: [], reverseCharge: true, note: EU_REVERSE_CHARGE_NOTE };
  // Consumer in another member state: their country's VAT, declared through the One-Stop Shop.
  return charged(indirectTaxLines(customer));
}

/** The US seller's rules; any other non-EU seller sells the same way into foreign markets. */
function decideForNonEuSeller(seller: NormalizedParty, customer: NormalizedParty, business: boolean): TaxDecision {
  if (customer.country === 'US') return charged(usSaasLines(customer.region));
  if (customer.country === seller.country) return charged(indirectTaxLines(customer));
  if (EU_MEMBERS.has(customer.country)) {
    return business ? { rated: [], reverseCharge: true, note: EU_REVERSE_CHARGE_NOTE } : charged(indirectTaxLines(customer));
  }
  const lines = indirectTaxLines(customer);
  if (lines.length === 0) return charged(lines);
  if (business) {
    const label = TAX_LABELS[COUNTRY_RATES.get(customer.country)?.type ?? ''] ?? 'Tax';
    return { rated: [], reverseCharge: true, note: `Reverse charge: ${label} to be accounted for by the recipient.` };
  }
  return charged(lines);
}

function charged(rated: readonly RatedLine[]): TaxDecision {
  return { rated, reverseCharge: false, note: null };
}

function usSaasLines(region: string | undefined): RatedLine[] {
  const rule = region === undefined ? undefined : US_SAAS_RULES.get(region);
  if (rule === undefined || rule.saasRate === 0) return [];
  return [{ label: 'Sales tax', place: rule.name, rate: rule.saasRate }];
}

/**
 * The customer's VAT/GST from the rates data. A region either adds its own tax (Canadian PST, QST)
 * or replaces the national rate (Canadian HST; Spanish territories outside the VAT area, whose
 * data rates are offsets from the national rate).
 */
function indirectTaxLines(customer: NormalizedParty): RatedLine[] {
  const rates = COUNTRY_RATES.get(customer.country);
  if (rates === undefined) return [];
  const countryLine: RatedLine = { label: labelOf(rates.type), place: countryName(customer.country), rate: rates.rate };
  const regional = customer.region === undefined ? undefined : rates.regions.get(customer.region);
  if (regional === undefined || customer.region === undefined) return withoutZeroRates([countryLine]);
  const place = REGION_NAMES[customer.country]?.[customer.region] ?? `${countryName(customer.country)}, ${customer.region}`;
  if (regional.type === 'hst' || regional.rate < 0) {
    return withoutZeroRates([{ label: labelOf(regional.type), place, rate: rates.rate + regional.rate }]);
  }
  return withoutZeroRates([countryLine, { label: labelOf(regional.type), place, rate: regional.rate }]);
}

function withoutZeroRates(lines: RatedLine[]): RatedLine[] {
  for (const line of lines) assertInvariant(line.rate >= 0, `negative tax rate for ${line.place}`);
  return lines.filter((line) => line.rate > 0);
}

function priced(decision: TaxDecision, amountCents: number): TaxResult {
  const lines: TaxLine[] = decision.rated.map((line) => ({
    // The rate is shown beside the name (rate_bps), so the name does not repeat it.
    name: `${line.label} (${line.place})`,
    rate_bps: line.rate / TENTHS_PER_BASIS_POINT,
    amount_cents: taxAmountCents(amountCents, line.rate),
  }));
  const taxCents = lines.reduce((sum, line) => sum + line.amount_cents, 0);
  assertInvariant(!decision.reverseCharge || taxCents === 0, 'a reverse-charged supply carries no tax');
  return { lines, taxCents, reverseCharge: decision.reverseCharge, note: decision.note };
}

/** Half up per line: floor((amount × rate_bps + 5000) / 10000), in tenths of a basis point. */
function taxAmountCents(amountCents: number, rate: RateTenthBps): number {
  const scaled = amountCents * rate;
  assertInvariant(Number.isSafeInteger(scaled), `tax on ${amountCents} cents overflows exact arithmetic`);
  return Math.floor((scaled + TENTHS_OF_BASIS_POINT_PER_UNIT / 2) / TENTHS_OF_BASIS_POINT_PER_UNIT);
}

interface NormalizedParty {
  readonly country: string;
  readonly region: string | undefined;
}

function knownParty(party: TaxParty, role: 'seller' | 'customer'): NormalizedParty {
  const country = normalizeCode(party.country);
  if (!ISO_COUNTRY_CODES.has(country)) throw new RangeError(`${role} country "${party.country}" is not an ISO 3166-1 alpha-2 code`);
  const region = party.region === undefined || party.region.trim() === '' ? undefined : normalizeCode(party.region);
  return { country, region };
}

function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

function normalizeTaxId(taxId: string): string {
  return taxId.replace(/[\s.\-]/g, '').toUpperCase();
}

function countryName(country: string): string {
  return COUNTRY_NAMES.of(country) ?? country;
}

function labelOf(type: string): string {
  const label = TAX_LABELS[type];
  assertInvariant(label !== undefined, `unknown tax type "${type}" in the rates data`);
  return label;
}

function toTenthBps(fraction: number, where: string): RateTenthBps {
  const tenths = Math.round(fraction * TENTHS_OF_BASIS_POINT_PER_UNIT);
  assertInvariant(Math.abs(tenths - fraction * TENTHS_OF_BASIS_POINT_PER_UNIT) < 1e-6, `rate ${fraction} of ${where} is finer than 0.1 bps`);
  return tenths;
}

function loadCountryRates(data: Record<string, { type: string; rate: number; states?: Record<string, { type: string; rate: number }> }>) {
  const rates = new Map<string, CountryRates>();
  for (const [country, entry] of Object.entries(data)) {
    assertInvariant(ISO_COUNTRY_CODES.has(country), `rates data has unknown country ${country}`);
    assertInvariant(entry.rate >= 0 && entry.rate < 1, `rate of ${country} out of range`);
    const regions = new Map<string, DataRate>();
    // US state rates in the data are general sales tax; SaaS rules come from us-saas.json instead.
    if (country !== 'US') {
      for (const [region, regional] of Object.entries(entry.states ?? {})) {
        assertInvariant(regional.rate > -1 && regional.rate < 1, `rate of ${country}-${region} out of range`);
        regions.set(region, { type: regional.type, rate: toTenthBps(regional.rate, `${country}-${region}`) });
      }
    }
    rates.set(country, { type: entry.type, rate: toTenthBps(entry.rate, country), regions });
  }
  for (const member of EU_MEMBERS) assertInvariant((rates.get(member)?.rate ?? 0) > 0, `no VAT rate for EU member ${member}`);
  return rates;
}

function loadUsSaasRules(states: Record<string, { name: string; saas_taxable: boolean; state_rate_bps: number; saas_rate_bps: number }>) {
  const rules = new Map<string, UsStateRule>();
  for (const [code, state] of Object.entries(states)) {
    const saasRate = toTenthBps(state.saas_rate_bps / 10_000, `US-${code}`);
    assertInvariant(state.saas_taxable === saasRate > 0, `US-${code}: saas_taxable must match a non-zero SaaS rate`);
    assertInvariant(state.saas_rate_bps <= state.state_rate_bps, `US-${code}: SaaS rate above the state rate`);
    rules.set(code, { name: state.name, saasRate });
  }
  return rules;
}
