export { createTokenService, OAUTH_CLIENT_ID, OAUTH_REDIRECT_URI } from './service.js';
export type { TokenService, TokenServiceOptions, AccessTokenResult } from './service.js';
export { TokenError, isTokenError, WRONG_CREDENTIALS_MESSAGE, type TokenErrorCode } from './errors.js';
export { jwtExpiry, jwtAccountId, decodeJwtPayload } from './jwt.js';
