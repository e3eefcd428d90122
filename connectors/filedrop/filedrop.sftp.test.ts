import { egressConformance } from '../../test/conformance/egress.js';
import { sftpFixture } from './filedrop.fixture.js';

egressConformance({ name: 'filedrop over SFTP (ssh2 server on a loopback port)', create: async () => (await sftpFixture()).fixture });
