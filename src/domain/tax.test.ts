import regionCountries from 'sales-tax/res/region_countries.json' with { type: 'json' };
import salesTaxRates from 'sales-tax/res/sales_tax_rates.json' with { type: 'json' };
import salesTaxPackage from 'sales-tax/package.json' with { type: 'json' };
import usSaasTable from '../../config/tax/us-saas.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { InvariantViolation } from './assert.js';
import {
  computeTax,
  EU_EXPORT_NOTE,
  EU_REVERSE_CHARGE_NOTE,
  isKnownCountry,
  TAX_DATA_SOURCE,
  vatIdHasValidFormat,
  type TaxParty,
} from './tax.js';

const US_SELLER: TaxParty = { country: 'US', region: 'DE' };
const GERMAN_SELLER: TaxParty = { country: 'DE' };

function sale(customer: TaxParty, amountCents: number, vatId: string | null = null, seller: TaxParty = US_SELLER) {
  return computeTax({ seller, customer, vatId, amountCents });
}

describe('US seller, US customer: state SaaS rules', () => {
  it('New York taxes SaaS at its 4% state rate', () => {
    expect(sale({ country: 'US', region: 'NY' }, 10_000)).toEqual({
      lines: [{ name: 'Sales tax (New York)', rate_bps: 400, amount_cents: 400 }],
      taxCents: 400,
      reverseCharge: false,
      note: null,
    });
  });

  it('California does not tax SaaS: no tax line', () => {
    expect(sale({ country: 'US', region: 'CA' }, 10_000)).toEqual({ lines: [], taxCents: 0, reverseCharge: false, note: null });
  });

  it('Texas taxes 80% of the charge: 5% effective', () => {
    expect(sale({ country: 'US', region: 'TX' }, 10_000).lines).toEqual([{ name: 'Sales tax (Texas)', rate_bps: 500, amount_cents: 500 }]);
  });

  it('Connecticut taxes SaaS at its reduced 1% rate', () => {
    expect(sale({ country: 'US', region: 'CT' }, 10_000).taxCents).toBe(100);
  });

  it('a business customer pays US sales tax too: a VAT ID changes nothing', () => {
    expect(sale({ country: 'US', region: 'WA' }, 10_000, 'DE123456789').taxCents).toBe(650);
  });

  it.each([undefined, '', 'PR', 'ZZ'])('a state missing from the table (%s) gets no tax line', (region) => {
    expect(sale({ country: 'US', region }, 10_000)).toEqual({ lines: [], taxCents: 0, reverseCharge: false, note: null });
  });

  it('region codes are read case-insensitively', () => {
    expect(sale({ country: 'us', region: ' ny ' }, 10_000).taxCents).toBe(400);
  });
});

describe('US seller, EU customer', () => {
  it.each([
    ['DE', 'VAT (Germany)', 1900],
    ['FR', 'VAT (France)', 2000],
    ['FI', 'VAT (Finland)', 2550],
  ])('a consumer in %s pays their country VAT', (country, name, rate_bps) => {
    expect(sale({ country }, 10_000)).toEqual({
      lines: [{ name, rate_bps, amount_cents: rate_bps }],
      taxCents: rate_bps,
      reverseCharge: false,
      note: null,
    });
  });

  it('a business with a valid-format VAT ID is reverse charged: no tax, noted on the invoice', () => {
    expect(sale({ country: 'DE' }, 10_000, 'DE 123 456 789')).toEqual({
      lines: [],
      taxCents: 0,
      reverseCharge: true,
      note: 'Reverse charge: VAT to be accounted for by the recipient under Article 196 of Council Directive 2006/112/EC.',
    });
  });

  it('a VAT ID that does not fit the format leaves the customer a consumer', () => {
    expect(sale({ country: 'DE' }, 10_000, 'DE123').taxCents).toBe(1900);
  });

  it("another member state's VAT ID does not qualify", () => {
    expect(sale({ country: 'DE' }, 10_000, 'FR12345678901').reverseCharge).toBe(false);
  });

  it('Greek VAT IDs use the EL prefix', () => {
    expect(sale({ country: 'GR' }, 10_000, 'EL123456789').reverseCharge).toBe(true);
  });
});

describe('US seller, customer elsewhere', () => {
  it('a country with no VAT or GST: no tax line', () => {
    expect(sale({ country: 'HK' }, 10_000)).toEqual({ lines: [], taxCents: 0, reverseCharge: false, note: null });
  });

  it('a UK consumer pays 20% VAT', () => {
    expect(sale({ country: 'GB' }, 10_000).lines).toEqual([{ name: 'VAT (United Kingdom)', rate_bps: 2000, amount_cents: 2000 }]);
  });

  it('a UK business with a VAT number is reverse charged', () => {
    expect(sale({ country: 'GB' }, 10_000, 'GB123456789')).toEqual({
      lines: [],
      taxCents: 0,
      reverseCharge: true,
      note: 'Reverse charge: VAT to be accounted for by the recipient.',
    });
  });

  it('a British Columbia consumer pays GST and PST on separate lines', () => {
    expect(sale({ country: 'CA', region: 'BC' }, 10_000).lines).toEqual([
      { name: 'GST (Canada)', rate_bps: 500, amount_cents: 500 },
      { name: 'PST (British Columbia)', rate_bps: 700, amount_cents: 700 },
    ]);
  });

  it('an Ontario consumer pays 13% HST on one line', () => {
    expect(sale({ country: 'CA', region: 'ON' }, 10_000).lines).toEqual([{ name: 'HST (Ontario)', rate_bps: 1300, amount_cents: 1300 }]);
  });

  it('a Quebec consumer pays GST and 9.975% QST', () => {
    expect(sale({ country: 'CA', region: 'QC' }, 10_000).lines).toEqual([
      { name: 'GST (Canada)', rate_bps: 500, amount_cents: 500 },
      { name: 'QST (Quebec)', rate_bps: 997.5, amount_cents: 998 },
    ]);
  });

  it('an Alberta consumer, or one with no province, pays GST only', () => {
    expect(sale({ country: 'CA', region: 'AB' }, 10_000).taxCents).toBe(500);
    expect(sale({ country: 'CA' }, 10_000).taxCents).toBe(500);
  });

  it('a Canadian business with a GST/HST number is reverse charged', () => {
    const result = sale({ country: 'CA', region: 'ON' }, 10_000, '123456789RT0001');
    expect(result).toMatchObject({ lines: [], taxCents: 0, reverseCharge: true, note: 'Reverse charge: GST to be accounted for by the recipient.' });
  });

  it.each([
    ['AU', 'GST (Australia)'],
    ['NO', 'VAT (Norway)'],
    ['CH', 'VAT (Switzerland)'],
    ['JP', 'VAT (Japan)'],
  ])('a consumer in %s pays %s', (country, name) => {
    expect(sale({ country }, 10_000).lines.map((line) => line.name)).toEqual([name]);
  });
});

describe('EU seller', () => {
  it('a domestic business pays the seller country VAT, VAT ID or not', () => {
    expect(sale({ country: 'DE' }, 10_000, 'DE123456789', GERMAN_SELLER)).toEqual({
      lines: [{ name: 'VAT (Germany)', rate_bps: 1900, amount_cents: 1900 }],
      taxCents: 1900,
      reverseCharge: false,
      note: null,
    });
  });

  it('a business in another member state with a VAT ID is reverse charged', () => {
    expect(sale({ country: 'FR' }, 10_000, 'FRXX123456789', GERMAN_SELLER)).toEqual({
      lines: [],
      taxCents: 0,
      reverseCharge: true,
      note: EU_REVERSE_CHARGE_NOTE,
    });
  });

  it("a consumer in another member state pays their country's VAT (One-Stop Shop)", () => {
    expect(sale({ country: 'FR' }, 10_000, null, GERMAN_SELLER).lines).toEqual([{ name: 'VAT (France)', rate_bps: 2000, amount_cents: 2000 }]);
  });

  it.each([{ country: 'US', region: 'NY' }, { country: 'GB' }, { country: 'CH' }])('a customer outside the EU ($country) pays no VAT: export, noted', (customer) => {
    expect(sale(customer, 10_000, null, GERMAN_SELLER)).toEqual({ lines: [], taxCents: 0, reverseCharge: false, note: EU_EXPORT_NOTE });
  });
});

describe('tax is rounded half up to whole cents, per line', () => {
  it.each([
    // [amount_cents, customer, tax_cents]
    [0, 'DE', 0],
    [1, 'DE', 0], // 0.19
    [2, 'DE', 0], // 0.38
    [3, 'DE', 1], // 0.57
    [49, 'DE', 9], // 9.31
    [50, 'DE', 10], // 9.5 exactly: half goes up
    [51, 'DE', 10], // 9.69
  ] as const)('%i cents at 19%% → %i cents', (amountCents, country, taxCents) => {
    expect(sale({ country }, amountCents).taxCents).toBe(taxCents);
  });

  it.each([
    [9, 0], // 0.45
    [10, 1], // 0.5 exactly
    [11, 1], // 0.55
  ])('%i cents at Texas 5%% → %i cents', (amountCents, taxCents) => {
    expect(sale({ country: 'US', region: 'TX' }, amountCents).taxCents).toBe(taxCents);
  });

  it('half a basis point: 2,000 cents at 9.975% QST is 199.5 → 200 cents', () => {
    expect(sale({ country: 'CA', region: 'QC' }, 2_000).lines.map((line) => line.amount_cents)).toEqual([100, 200]);
  });

  it('each line is rounded on its own: 10 cents in BC is 0.5 + 0.7 → 1 + 1', () => {
    expect(sale({ country: 'CA', region: 'BC' }, 10).lines.map((line) => line.amount_cents)).toEqual([1, 1]);
  });

  it('a billion-dollar charge is still taxed exactly', () => {
    expect(sale({ country: 'DE' }, 100_000_000_000).taxCents).toBe(19_000_000_000);
  });

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('refuses a tax base of %s cents', (amountCents) => {
    expect(() => sale({ country: 'DE' }, amountCents)).toThrow(InvariantViolation);
  });

  it('refuses an amount whose tax cannot be computed exactly', () => {
    expect(() => sale({ country: 'DE' }, Number.MAX_SAFE_INTEGER)).toThrow(InvariantViolation);
  });
});

describe('countries', () => {
  it.each(['XX', 'EU', 'UK', 'DEU', '', 'D'])('an unknown customer country (%j) throws a RangeError', (country) => {
    expect(() => sale({ country }, 10_000)).toThrow(RangeError);
  });

  it('an unknown seller country throws a RangeError', () => {
    expect(() => sale({ country: 'DE' }, 10_000, null, { country: 'XX' })).toThrow(RangeError);
  });

  it.each([
    ['DE', true],
    ['de', true],
    ['HK', true],
    ['XK', true],
    ['XX', false],
    ['UK', false],
    ['EU', false],
  ])('isKnownCountry(%j) is %s', (country, known) => {
    expect(isKnownCountry(country)).toBe(known);
  });

  it('every country in the rates data is known', () => {
    for (const country of Object.keys(salesTaxRates)) expect(isKnownCountry(country), country).toBe(true);
  });
});

describe('VAT ID format (no network)', () => {
  it.each([
    ['DE', 'DE123456789', true],
    ['DE', 'de 123.456.789', true],
    ['DE', 'DE123', false],
    ['DE', '123456789', false],
    ['DE', 'FR12345678901', false],
    ['FR', 'FR12345678901', true],
    ['FR', 'FRXX123456789', true],
    ['AT', 'ATU12345678', true],
    ['AT', 'AT12345678', false],
    ['NL', 'NL123456789B01', true],
    ['GR', 'EL123456789', true],
    ['GR', 'GR123456789', false],
    ['ES', 'ESX1234567Z', true],
    ['ES', 'ES12345678Z', true],
    ['IE', 'IE1234567WA', true],
    ['SE', 'SE123456789001', true],
    ['GB', 'GB123456789', true],
    ['GB', 'GB12345', false],
    ['CH', 'CHE-123.456.789 MWST', true],
    ['NO', 'NO123456789MVA', true],
    ['AU', '51824753556', true],
    ['CA', '123456789RT0001', true],
    ['JP', 'T1234567890123', true],
    ['US', '12-3456789', false],
    ['HK', '12345678', false],
    ['XX', 'DE123456789', false],
    ['DE', '', false],
  ])('%s %j → %s', (country, vatId, valid) => {
    expect(vatIdHasValidFormat(country, vatId)).toBe(valid);
  });

  const SAMPLE_EU_VAT_IDS: Record<string, string> = {
    AT: 'ATU12345678', BE: 'BE0123456789', BG: 'BG123456789', CY: 'CY12345678L', CZ: 'CZ12345678', DE: 'DE123456789',
    DK: 'DK12345678', EE: 'EE123456789', ES: 'ESA1234567B', FI: 'FI12345678', FR: 'FR12345678901', GR: 'EL123456789',
    HR: 'HR12345678901', HU: 'HU12345678', IE: 'IE1234567T', IT: 'IT12345678901', LT: 'LT123456789', LU: 'LU12345678',
    LV: 'LV12345678901', MT: 'MT12345678', NL: 'NL123456789B01', PL: 'PL1234567890', PT: 'PT123456789', RO: 'RO1234567',
    SE: 'SE123456789001', SI: 'SI12345678', SK: 'SK1234567890',
  };

  it('every EU member state has a VAT ID format', () => {
    expect(Object.keys(SAMPLE_EU_VAT_IDS).sort()).toEqual([...regionCountries.EU].sort());
    for (const [member, vatId] of Object.entries(SAMPLE_EU_VAT_IDS)) expect(vatIdHasValidFormat(member, vatId), member).toBe(true);
  });
});

describe('data', () => {
  it('TAX_DATA_SOURCE names the installed sales-tax version', () => {
    expect(TAX_DATA_SOURCE.version).toBe(salesTaxPackage.version);
  });

  it('the rates data schedules no change still to come, so its top-level rates are current', () => {
    const now = Date.now();
    const scheduled: string[] = [];
    const visit = (where: string, entry: object) => {
      const { before = {}, states = {} } = entry as { before?: Record<string, unknown>; states?: Record<string, object> };
      for (const date of Object.keys(before)) if (Date.parse(date) > now) scheduled.push(`${where} ${date}`);
      for (const [region, regional] of Object.entries(states)) visit(`${where}-${region}`, regional);
    };
    for (const [country, entry] of Object.entries(salesTaxRates)) visit(country, entry);
    expect(scheduled).toEqual([]);
  });

  it('every EU member has a VAT rate', () => {
    for (const member of regionCountries.EU) expect(sale({ country: member }, 10_000).taxCents, member).toBeGreaterThan(0);
  });

  it('the US SaaS table covers the 50 states and DC', () => {
    expect(Object.keys(usSaasTable.states)).toHaveLength(51);
  });

  it.each(['NY', 'TX', 'WA', 'PA', 'OH', 'CT', 'TN', 'UT', 'SD', 'NM', 'HI', 'AZ', 'IA', 'DC', 'WV', 'RI', 'MS', 'KY', 'LA'])(
    '%s taxes SaaS',
    (region) => {
      expect(sale({ country: 'US', region }, 10_000).taxCents).toBeGreaterThan(0);
    },
  );

  it.each(['CA', 'FL', 'NV', 'OR', 'DE', 'MT', 'NH', 'AK'])('%s does not tax SaaS', (region) => {
    expect(sale({ country: 'US', region }, 10_000).lines).toEqual([]);
  });
});
