// The reference client's public surface.
export {
  type ClientOptions,
  createClient,
  type RicloudClient,
  RicloudError,
  type TwoFactorOptions,
} from './client.ts';
export { parseSignatureHeader, signWebhook, verifyWebhookSignature } from './signature.ts';
