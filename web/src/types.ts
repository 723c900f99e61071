/** Response shapes of the API the web app reads (see API.md and /openapi.json). */
export interface Me {
  user: { id: string; email: string; name: string };
  orgs: { id: string; name: string; role: 'admin' | 'member' }[];
  csrf_token: string;
}

export interface Balance {
  available: number | null;
  plan: { granted: number; remaining: number; expires_at: string };
  purchased: { remaining: number };
  promotional: { remaining: number };
  held: number;
  overage: { enabled: boolean; limit: number; used: number; remaining: number | null };
  low_balance_threshold: number;
  low_balance: boolean;
  period: { start: string; end: string };
}

export interface Org {
  id: string;
  name: string;
  plan: string;
  subscription: { status: string; current_period_start: string; current_period_end: string; cancel_at_period_end: boolean; scheduled_plan: string | null };
  billing_address: { country: string; region?: string; postal_code?: string; line1?: string; city?: string };
  vat_id: string | null;
}

export interface Plan {
  id: string;
  name: string;
  base_price_cents: number;
  currency: string;
  included_users: number;
  included_credits: number;
  credit_price_cents: number;
  priced_by_contract: boolean;
  features: string[];
}

export interface Notification {
  id: string;
  type: string;
  title: string;
  body: string;
  created_at: string;
  read_at: string | null;
}
