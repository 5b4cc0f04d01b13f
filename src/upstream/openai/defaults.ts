/** Base URL of OpenAI's own API, for openai-kind accounts without a `base_url`. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
