// A function whose module fails to load, as one with a missing setting does.
throw new Error('config missing: TABLE_NAME');
