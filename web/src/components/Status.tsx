import { errorMessage } from '../api.js';

/** While a section's data is on its way. */
export function Loading() {
  return (
    <p className="loading" role="status">
      Loading…
    </p>
  );
}

/** "The balance could not be loaded: …", with the server's reason. */
export function LoadFailed({ error, what }: { error: unknown; what: string }) {
  return (
    <p className="error" role="alert">
      {what} could not be loaded: {errorMessage(error)}
    </p>
  );
}
