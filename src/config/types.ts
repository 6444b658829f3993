// The Config type is computed from the option table so that a field cannot exist without an option
// behind it (and vice versa); the runtime naming in fieldName() follows the same rule.

import type { OptionEntry, OptionType } from './options.js';

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S extends `${infer Head}-${infer Tail}`
    ? `${Head}${Capitalize<CamelCase<Tail>>}`
    : S;

type FieldOf<O> = O extends { readonly key: infer K extends string }
  ? CamelCase<K>
  : O extends { readonly name: infer N extends string }
    ? CamelCase<N>
    : never;

/** Durations are milliseconds; lists are never undefined, only empty. */
export type ValueOf<T extends OptionType> = T extends 'string'
  ? string
  : T extends 'bool'
    ? boolean
    : T extends 'int' | 'duration'
      ? number
      : string[];

export type Config = { readonly [O in OptionEntry as FieldOf<O>]: ValueOf<O['type']> };

export type ConfigField = keyof Config;

/** A value of any option type, as held while sources are being merged. */
export type OptionValue = string | boolean | number | string[];
