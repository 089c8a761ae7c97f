/**
 * Every instrumentation we ship: the one list a new instrumentation is added to. Definitions are
 * data; their patch and handler code loads lazily.
 */
import type { InstrumentationDefinition } from '../kit/definition';
import http from './http';
import fetch from './fetch';
import express from './express';
import fastify from './fastify';
import pg from './pg';

export const INSTRUMENTATIONS: readonly InstrumentationDefinition[] = [http, fetch, express, fastify, pg];
