/**
 * A duration the way OpenAI writes `x-ratelimit-reset-*`: Go's duration format —
 * `12ms` below a second, else hours, minutes and seconds with up to three decimals
 * (`1s`, `1.5s`, `6m0s`, `1h2m3.25s`).
 */
export function formatResetDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const seconds = (whole % 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}
