/**
 * A deterministic stand-in for a language model: the same prompt always gives the same answer and
 * the same token counts, so the example's charges can be checked to the credit. Tokens follow the
 * usual rule of thumb of 4 characters a token.
 */
export interface Chunk {
  readonly text: string;
  /** Tokens this chunk used (the first chunk also carries the prompt's tokens). */
  readonly tokens: number;
}

export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** What to reserve before calling the model: the prompt, and an answer about as long (a bound, words round up). */
export function estimateTokens(prompt: string): number {
  return 2 * countTokens(prompt) + words(prompt).length + 16;
}

function words(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

/** The answer, a word at a time: the prompt's words in reverse order, after a fixed preamble. */
export async function* streamCompletion(prompt: string): AsyncGenerator<Chunk> {
  const answer = ['Answer:', ...words(prompt).reverse()];
  let promptTokens = countTokens(prompt);
  for (const word of answer) {
    const text = `${word} `;
    yield { text, tokens: countTokens(text) + promptTokens };
    promptTokens = 0;
  }
}

export async function complete(prompt: string): Promise<{ text: string; tokens: number }> {
  let text = '';
  let tokens = 0;
  for await (const chunk of streamCompletion(prompt)) {
    text += chunk.text;
    tokens += chunk.tokens;
  }
  return { text: text.trimEnd(), tokens };
}
