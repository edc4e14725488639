import type { PluginFactory } from '@switchyard/core';
import cache from '@switchyard/policy-cache';
import circuitBreaker from '@switchyard/policy-circuit-breaker';
import auth, { keyScope } from '@switchyard/policy-keys';
import rateLimit from '@switchyard/policy-rate-limit';
import route from '@switchyard/policy-router';
import anthropic from '@switchyard/provider-anthropic';
import azure from '@switchyard/provider-azure';
import bedrock from '@switchyard/provider-bedrock';
import cohere from '@switchyard/provider-cohere';
import gemini from '@switchyard/provider-gemini';
import mistral from '@switchyard/provider-mistral';
import mock from '@switchyard/provider-mock';
import openai from '@switchyard/provider-openai';
import postgres from '@switchyard/store-postgres';
import sqlite from '@switchyard/store-sqlite';

/** The plugins that ship with the CLI, so a standalone gateway needs no extra install. */
export const builtInPlugins: ReadonlyArray<PluginFactory<unknown, unknown>> = [
  openai,
  anthropic,
  gemini,
  cohere,
  azure,
  bedrock,
  mistral,
  mock,
  auth,
  keyScope,
  rateLimit,
  circuitBreaker,
  cache,
  route,
  sqlite,
  postgres,
] as ReadonlyArray<PluginFactory<unknown, unknown>>;
