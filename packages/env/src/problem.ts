/** The environment, as `process.env` shapes it; libraries never read `process.env` themselves. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * One thing wrong with the configuration. Never holds a value: a message quotes a non-secret
 * value only through {@link show}, which redacts before it cuts.
 */
export interface ConfigProblem {
  /** The environment variable (`AWS_BUCKETNAME`) or option at fault. */
  variable: string;
  /** Stable id of the broken rule, e.g. `format.boolean`; match on this. */
  rule: string;
  /** What is wrong, for a human. */
  message: string;
  /** How to fix it. */
  hint: string;
}

/** Stable ids of the rules the readers apply. */
export const FormatRule = {
  /** Not one of 1/true/yes/on/0/false/no/off. */
  Boolean: "format.boolean",
  /** Not an integer in 1–65535. */
  Port: "format.port",
  /** Not a whole number in range. */
  Integer: "format.integer",
  /** Not a positive duration. */
  Seconds: "format.seconds",
  /** Does not parse as a URL, or has the wrong scheme. */
  Url: "format.url",
  /** A secret starts or ends with whitespace (a pasted newline). */
  SecretWhitespace: "format.secret-whitespace",
  /** A required variable is unset or empty. */
  Required: "format.required",
} as const;
