/** One model a provider offers, as listed by its models endpoint. */
export interface ModelInfo {
  /** The provider's own model id (without the `provider/` prefix). */
  id: string;
  ownedBy?: string;
  /** Unix seconds, when the provider says. */
  created?: number;
}
