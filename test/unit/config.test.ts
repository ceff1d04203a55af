import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).to.include({ PORT: 3000, STORE: 'sqlite', SEARCH: 'embedded', DEMO_DATA: true });
    expect(config.ROLES).to.deep.equal(['web', 'workers']);
    expect(config.dataDir).to.match(/\/data$/);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'eighty', STORE: 'oracle', ADMIN_TOKEN: 'short' });
      expect.fail('should throw');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      const { problems } = error as ConfigError;
      expect(problems.join('\n')).to.include('PORT').and.include('STORE').and.include('ADMIN_TOKEN');
    }
  });

  it('requires the URL of a scale-out engine that is selected', () => {
    expect(() => loadConfig({ STORE: 'mongodb' })).to.throw(ConfigError, 'MONGODB_URL');
    expect(() => loadConfig({ SEARCH: 'elasticsearch' })).to.throw(ConfigError, 'ELASTICSEARCH_URL');
  });

  it('reads roles and flags', () => {
    const config = loadConfig({ ROLES: 'workers', DEMO_DATA: '0' });
    expect(config.ROLES).to.deep.equal(['workers']);
    expect(config.DEMO_DATA).to.equal(false);
    expect(() => loadConfig({ ROLES: 'cron' })).to.throw(ConfigError);
  });

  it('points links at its own port unless PUBLIC_BASE_URL says otherwise', () => {
    expect(loadConfig({}).PUBLIC_BASE_URL).to.equal('http://localhost:3000');
    expect(loadConfig({ PORT: '3456' }).PUBLIC_BASE_URL).to.equal('http://localhost:3456');
    expect(loadConfig({ PORT: '3456', PUBLIC_BASE_URL: 'https://policy.example.cn' }).PUBLIC_BASE_URL).to.equal('https://policy.example.cn');
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'not a url' })).to.throw(ConfigError, 'PUBLIC_BASE_URL');
  });

  it('refuses the .env.example placeholders as secrets, naming the variable', () => {
    for (const [name, value] of [
      ['ADMIN_TOKEN', 'change-me-to-a-long-random-secret'],
      ['APP_SECRET', 'change-me-to-a-long-random-secret-of-32-or-more-characters'],
      ['METRICS_TOKEN', 'change-me-to-a-long-random-secret'],
    ] as const) {
      try {
        loadConfig({ [name]: value });
        expect.fail(`${name} placeholder should be refused`);
      } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as ConfigError).problems.join('\n')).to.include(name).and.include('.env.example');
      }
    }
  });

  it('keeps the two-reviewer rule unless REVIEW_SAME_PERSON_ALLOWED=1', () => {
    expect(loadConfig({}).REVIEW_SAME_PERSON_ALLOWED).to.equal(false);
    expect(loadConfig({ REVIEW_SAME_PERSON_ALLOWED: '1' }).REVIEW_SAME_PERSON_ALLOWED).to.equal(true);
  });
});
