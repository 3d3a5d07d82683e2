// XML-RPC codec: escaping on the way out, every value type and faults on the way in, and entity
// decoding that cannot be tricked into decoding twice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import { FAULT, faultCodeOf, isFault } from '../../../src/drivers/supervisord/client.js';
import { decodeResponse, encodeCall, encodeValue } from '../../../src/drivers/supervisord/xmlrpc.js';

const response = (value: string) =>
  `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n${value}\n</param>\n</params>\n</methodResponse>\n`;

test('encodes every type and escapes XML metacharacters', () => {
  assert.equal(
    encodeCall('supervisor.startProcess', ['a<b>&"c"', true]),
    '<?xml version="1.0"?>\n<methodCall><methodName>supervisor.startProcess</methodName><params>' +
      '<param><value><string>a&lt;b&gt;&amp;&quot;c&quot;</string></value></param>' +
      '<param><value><boolean>1</boolean></value></param></params></methodCall>\n',
  );
  assert.equal(encodeValue(7), '<value><int>7</int></value>');
  assert.equal(encodeValue(1.5), '<value><double>1.5</double></value>');
  assert.equal(encodeValue(null), '<value><nil/></value>');
  assert.equal(
    encodeValue({ k: [false, 'x'] }),
    '<value><struct><member><name>k</name><value><array><data><value><boolean>0</boolean></value>' +
      '<value><string>x</string></value></data></array></value></member></struct></value>',
  );
});

test('refuses strings XML 1.0 cannot hold', () => {
  for (const bad of ['a\u0000b', 'bell\u0007', 'lone \udc00'])
    assert.throws(
      () => encodeValue(bad),
      (e) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
      JSON.stringify(bad),
    );
  assert.doesNotThrow(() => encodeValue('tab\tnewline\n'));
});

test('decodes strings, numbers, booleans, nil, arrays and structs', () => {
  const xml = response(
    '<value><array><data>\n' +
      '<value><string>  a &lt;&amp;&gt; b &#38; &#x41; &amp;#38; </string></value>\n' +
      '<value><string></string></value>\n' +
      '<value>untyped</value>\n' +
      '<value><int>5</int></value><value><i4>-2</i4></value><value><double>2.5</double></value>\n' +
      '<value><boolean>1</boolean></value><value><boolean>0</boolean></value><value><nil/></value>\n' +
      '<value><struct>\n<member>\n<name>pid</name>\n<value><int>42</int></value>\n</member>\n' +
      '<member><name>name</name><value><string>web_00</string></value></member>\n</struct></value>\n' +
      '</data></array></value>',
  );
  assert.deepEqual(decodeResponse(xml), [
    '  a <&> b & A &#38; ',
    '',
    'untyped',
    5,
    -2,
    2.5,
    true,
    false,
    null,
    { pid: 42, name: 'web_00' },
  ]);
});

test('a fault becomes TEND_ERR_SUPERVISORD with faultCode and faultString', () => {
  const xml =
    "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n" +
    '<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n' +
    '<member>\n<name>faultString</name>\n<value><string>BAD_NAME: nope</string></value>\n</member>\n' +
    '</struct></value>\n</fault>\n</methodResponse>\n';
  assert.throws(
    () => decodeResponse(xml),
    (e) => {
      assert.ok(isTendError(e, 'TEND_ERR_SUPERVISORD'));
      assert.deepEqual(e.details, { faultCode: FAULT.BAD_NAME, faultString: 'BAD_NAME: nope' });
      assert.equal(faultCodeOf(e), 10);
      assert.ok(isFault(e, 'NOT_RUNNING', 'BAD_NAME'));
      assert.ok(!isFault(e, 'NOT_RUNNING'));
      return true;
    },
  );
});

test('malformed responses are errors, not guesses', () => {
  for (const bad of [
    '',
    '<html>502</html>',
    response('<value><int>x</int></value>'),
    response('<value><blob>1</blob></value>'),
  ])
    assert.throws(
      () => decodeResponse(bad),
      (e) => isTendError(e, 'TEND_ERR_SUPERVISORD'),
      bad,
    );
});
