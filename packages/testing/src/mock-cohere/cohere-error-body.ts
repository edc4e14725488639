/** Cohere's error body: a message and the request id. */
export interface CohereErrorBody {
  id: string;
  message: string;
}

/** The body Cohere sends with an error. */
export function cohereErrorBody(message: string, id: string): CohereErrorBody {
  return { id, message };
}
